import BPTTReference
import LearningRules
import NeuronModels
import RealNumerics
import SpikeData
import Testing
import TestSupport

/// e-prop and BPTT gradients of the same network and batch.
struct GradientPair<F: RealScalar>: NeuronModelVisitor {
    var shape: NetworkShape
    var readout: ReadoutOptions
    var batch: SpikeBatch
    var seed: UInt64 = 3
    var initialization = WeightInitialization(inputScale: 4, inputRate: 0.3)

    func visit<Model: NeuronModel>(_ model: Model) throws -> (eprop: [F], bptt: [F], statsE: BatchStatistics, statsB: BatchStatistics, memory: (MemoryAccount, MemoryAccount)) {
        let parameters = NetworkParameters<F>.initialized(shape: shape, seed: seed, initialization: initialization)
        let eprop = EProp<Model, F>(model: model, shape: shape, readout: readout)
        let bptt = BPTT<Model, F>(model: model, shape: shape, readout: readout)
        var gE = [F](repeating: 0, count: shape.parameterCount)
        var gB = gE
        let sE = eprop.accumulateGradient(of: batch, parameters: parameters, into: &gE)
        let sB = bptt.accumulateGradient(of: batch, parameters: parameters, into: &gB)
        return (gE, gB, sE, sB, (eprop.memory, bptt.memory))
    }
}

@Suite("e-prop equals BPTT without explicit recurrence")
struct EPropExactnessTests {
    static let cases: [(String, Double, LossKind)] = ModelRegistry.names.flatMap { name in
        [0.0, 0.8].flatMap { leak in LossKind.allCases.map { (name, leak, $0) } }
    }

    func check<F: RealScalar & ToleranceScalar>(_: F.Type, model: String, leak: Double, loss: LossKind, bias: Bool) throws {
        let shape = NetworkShape(inputs: 12, hidden: 7, classes: 3, recurrent: false, bias: bias)
        let pair = GradientPair<F>(shape: shape, readout: ReadoutOptions(leak: leak, loss: loss), batch: randomBatch())
        let r = try ModelRegistry.visit(ModelSpec(name: model), pair)
        #expect(r.statsE.spikes > 0, "the check is vacuous without hidden spikes")
        #expect(r.statsE.loss == r.statsB.loss)
        let w = shape.hiddenWeightsRange
        let gE = Array(r.eprop[w]), gB = Array(r.bptt[w])
        #expect(gB.contains { $0 != 0 }, "BPTT gradient is zero: the comparison would be vacuous")
        let error = maxRelativeError(gE, gB)
        #expect(error <= F.gradientTolerance, "W gradient \(model) κ=\(leak) \(loss) \(F.self): rel. error \(error)")
        let readoutError = maxRelativeError(Array(r.eprop[shape.hiddenWeightsRange.upperBound...]), Array(r.bptt[shape.hiddenWeightsRange.upperBound...]))
        #expect(readoutError <= F.gradientTolerance, "readout gradient rel. error \(readoutError)")
    }

    @Test("Float", arguments: cases)
    func float(_ c: (String, Double, LossKind)) throws {
        try check(Float.self, model: c.0, leak: c.1, loss: c.2, bias: true)
    }

    @Test("Double", arguments: cases)
    func double(_ c: (String, Double, LossKind)) throws {
        try check(Double.self, model: c.0, leak: c.1, loss: c.2, bias: false)
    }

    @Test("recurrent network: e-prop approximates, BPTT differs", arguments: ModelRegistry.names)
    func recurrentDiffers(_ model: String) throws {
        let shape = NetworkShape(inputs: 12, hidden: 7, classes: 3, recurrent: true, bias: true)
        let pair = GradientPair<Double>(shape: shape, readout: ReadoutOptions(), batch: randomBatch())
        let r = try ModelRegistry.visit(ModelSpec(name: model), pair)
        let w = shape.hiddenWeightsRange
        let cosine = cosineSimilarity(Array(r.eprop[w]), Array(r.bptt[w]))
        #expect(cosine.isFinite && cosine > 0, "e-prop should still point along BPTT (cosine \(cosine))")
        #expect(maxRelativeError(Array(r.eprop[w]), Array(r.bptt[w])) > 1e-6, "recurrent paths should make e-prop inexact")
    }

    @Test("membrane potentials far below threshold: surrogate underflows to 0, gradients stay finite and exact",
          arguments: ModelRegistry.names)
    func farBelowThreshold(_ model: String) throws {
        // Large weights of both signs drive many neurons tens of thresholds below firing, where
        // e^{β|v−ϑ|} overflows Float; the surrogate must then be exactly 0, never NaN.
        let shape = NetworkShape(inputs: 12, hidden: 7, classes: 3, recurrent: false, bias: true)
        var pair = GradientPair<Float>(shape: shape, readout: ReadoutOptions(leak: 0.5), batch: randomBatch())
        pair.initialization = WeightInitialization(inputScale: 400, inputRate: 0.3)
        let r = try ModelRegistry.visit(ModelSpec(name: model), pair)
        #expect(r.eprop.allSatisfy(\.isFinite) && r.bptt.allSatisfy(\.isFinite))
        let w = shape.hiddenWeightsRange
        #expect(maxRelativeError(Array(r.eprop[w]), Array(r.bptt[w])) <= Float.gradientTolerance)
    }

    @Test("trace memory is independent of T; the BPTT trajectory grows linearly")
    func memoryIndependentOfSequenceLength() throws {
        let shape = NetworkShape(inputs: 12, hidden: 7, classes: 3, recurrent: true, bias: true)
        func memory(steps: Int) throws -> (MemoryAccount, MemoryAccount) {
            let pair = GradientPair<Float>(shape: shape, readout: ReadoutOptions(leak: 0.5), batch: randomBatch(steps: steps))
            return try ModelRegistry.visit(ModelSpec(name: "alif"), pair).memory
        }
        let (short, long) = (try memory(steps: 10), try memory(steps: 2000))
        #expect(short.0 == long.0)
        #expect(short.0.traces == 3 * 7 * shape.presynapticCount * (2 + 1) * 4, "B·H·P floats for each of ε_0, ε_1 (k = 2) and the κ-filtered trace")
        #expect(long.1.trajectory > 150 * short.1.trajectory)
    }
}
