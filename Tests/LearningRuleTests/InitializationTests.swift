import LearningRules
import Testing

@Suite("Weight initialisation")
struct InitializationTests {
    /// Rows (H ≤ N_in) or columns (H > N_in) of the orthogonal input weights are orthogonal
    /// with norm `input_gain`.
    @Test("orthogonal input weights × gain", arguments: [(5, 12), (12, 5)])
    func orthogonal(hidden: Int, inputs: Int) {
        var initialization = WeightInitialization()
        initialization.input = .orthogonal
        let shape = NetworkShape(inputs: inputs, hidden: hidden, classes: 2, recurrent: false, bias: true)
        let p = NetworkParameters<Double>.initialized(shape: shape, seed: 9, initialization: initialization)
        let P = shape.presynapticCount
        let w = { (j: Int, i: Int) in p.values[j * P + i] }
        let rowsOrthogonal = hidden <= inputs
        let (count, length) = rowsOrthogonal ? (hidden, inputs) : (inputs, hidden)
        for a in 0..<count {
            for b in 0..<count {
                var dot = 0.0
                for k in 0..<length { dot += rowsOrthogonal ? w(a, k) * w(b, k) : w(k, a) * w(k, b) }
                #expect(abs(dot - (a == b ? 2 : 0)) < 1e-12, "⟨\(a), \(b)⟩ = \(dot)")
            }
        }
        #expect(p.values[shape.biasOffset] == 0, "biases start at zero")
    }

    @Test("initialisation is a pure function of the seed")
    func deterministic() {
        let shape = NetworkShape(inputs: 20, hidden: 8, classes: 3, recurrent: true, bias: true)
        let a = NetworkParameters<Float>.initialized(shape: shape, seed: 4, initialization: WeightInitialization())
        let b = NetworkParameters<Float>.initialized(shape: shape, seed: 4, initialization: WeightInitialization())
        let c = NetworkParameters<Float>.initialized(shape: shape, seed: 5, initialization: WeightInitialization())
        #expect(a == b && a != c)
    }
}
