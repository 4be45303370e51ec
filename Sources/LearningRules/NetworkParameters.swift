import RealNumerics

/// All trainable parameters in one flat buffer laid out by `NetworkShape`
/// ([W (H×P) | W_out (C×H) | b_out (C)]), so the optimizer, the all-reduce and checkpoints
/// each handle one contiguous array.
public struct NetworkParameters<F: RealScalar>: Equatable, Sendable {
    public let shape: NetworkShape
    public var values: [F]

    public init(shape: NetworkShape, values: [F]) {
        precondition(values.count == shape.parameterCount, "parameter buffer does not match the network shape")
        self.shape = shape
        self.values = values
    }

    /// Weights from the seed: input weights N(0, (scale/√(N_in·rate))²) (so the expected
    /// input current is O(scale) for input spike probability `rate` per step), or, with
    /// `input = .orthogonal`, a (semi-)orthogonal H×N_in matrix times `inputGain` (the paper's
    /// orthogonal × √2); recurrent weights N(0, (recurrentScale/√H)²), Xavier-normal readout,
    /// zero biases.
    public static func initialized(shape: NetworkShape, seed: UInt64, initialization: WeightInitialization) -> NetworkParameters {
        var rng = Xoshiro256(seed: seed, stream: 0x5EED)
        var values = [F](repeating: 0, count: shape.parameterCount)
        let P = shape.presynapticCount
        let inputStd = initialization.inputScale / (Double(shape.inputs) * initialization.inputRate).squareRoot()
        let recurrentStd = initialization.recurrentScale / Double(shape.hidden).squareRoot()
        let orthogonal = initialization.input == .orthogonal
            ? orthogonalMatrix(rows: shape.hidden, columns: shape.inputs, rng: &rng) : []
        for j in 0..<shape.hidden {
            for i in 0..<shape.inputs {
                values[j * P + i] = orthogonal.isEmpty ? F(rng.normal() * inputStd)
                                                       : F(initialization.inputGain * orthogonal[j * shape.inputs + i])
            }
            if shape.recurrent {
                for l in 0..<shape.hidden where l != j { values[j * P + shape.recurrentOffset + l] = F(rng.normal() * recurrentStd) }
            }
        }
        let readoutStd = (2.0 / Double(shape.hidden + shape.classes)).squareRoot()
        for i in shape.readoutWeightsRange { values[i] = F(rng.normal() * readoutStd) }
        return NetworkParameters(shape: shape, values: values)
    }
}

/// A rows × columns matrix (row-major) with orthonormal rows if rows ≤ columns, orthonormal
/// columns otherwise: Gram–Schmidt (twice, for accuracy) on a Gaussian matrix, in Double.
func orthogonalMatrix(rows: Int, columns: Int, rng: inout Xoshiro256) -> [Double] {
    let transpose = rows > columns
    let (n, m) = transpose ? (columns, rows) : (rows, columns)  // n orthonormal vectors of length m
    var q = (0..<(n * m)).map { _ in rng.normal() }
    for v in 0..<n {
        for _ in 0..<2 {
            for u in 0..<v {
                var dot = 0.0
                for k in 0..<m { dot += q[v * m + k] * q[u * m + k] }
                for k in 0..<m { q[v * m + k] -= dot * q[u * m + k] }
            }
        }
        var norm = 0.0
        for k in 0..<m { norm += q[v * m + k] * q[v * m + k] }
        let scale = 1 / norm.squareRoot()
        for k in 0..<m { q[v * m + k] *= scale }
    }
    guard transpose else { return q }
    var t = [Double](repeating: 0, count: rows * columns)
    for v in 0..<n { for k in 0..<m { t[k * columns + v] = q[v * m + k] } }
    return t
}

/// How the input weights start.
public enum InputInitialization: String, Codable, Sendable, CaseIterable {
    /// N(0, (input_scale/√(N_in·input_rate))²).
    case scaledNormal = "scaled_normal"
    /// (Semi-)orthogonal × input_gain (the paper: × √2).
    case orthogonal
}

/// Scales of the initial weights (see `NetworkParameters.initialized`).
public struct WeightInitialization: Codable, Equatable, Sendable {
    /// The input weights' distribution.
    public var input: InputInitialization = .scaledNormal
    /// Gain of the orthogonal input weights.
    public var inputGain: Double = 2.0.squareRoot()
    /// Expected input current scale.
    public var inputScale: Double = 3
    /// Assumed input spike probability per channel and step.
    public var inputRate: Double = 0.05
    /// Recurrent weight scale (std × √H).
    public var recurrentScale: Double = 0.5

    public init(inputScale: Double = 3, inputRate: Double = 0.05, recurrentScale: Double = 0.5) {
        self.inputScale = inputScale
        self.inputRate = inputRate
        self.recurrentScale = recurrentScale
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case input
        case inputGain = "input_gain"
        case inputScale = "input_scale"
        case inputRate = "input_rate"
        case recurrentScale = "recurrent_scale"
    }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.decode(.inputScale, into: &inputScale)
        try c.decode(.inputRate, into: &inputRate)
        try c.decode(.recurrentScale, into: &recurrentScale)
        try c.decode(.inputGain, into: &inputGain)
        var kind = input.rawValue
        try c.decode(.input, into: &kind)
        guard let input = InputInitialization(rawValue: kind) else {
            throw ConfigurationError(key: "network.initialization.input",
                                     message: "unknown value \"\(kind)\"; expected one of \(InputInitialization.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.input = input
    }
}
