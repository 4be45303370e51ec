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
    /// input current is O(scale) for input spike probability `rate` per step), recurrent weights
    /// N(0, (recurrentScale/√H)²), Xavier-normal readout, zero biases.
    public static func initialized(shape: NetworkShape, seed: UInt64, initialization: WeightInitialization) -> NetworkParameters {
        var rng = Xoshiro256(seed: seed, stream: 0x5EED)
        var values = [F](repeating: 0, count: shape.parameterCount)
        let P = shape.presynapticCount
        let inputStd = initialization.inputScale / (Double(shape.inputs) * initialization.inputRate).squareRoot()
        let recurrentStd = initialization.recurrentScale / Double(shape.hidden).squareRoot()
        for j in 0..<shape.hidden {
            for i in 0..<shape.inputs { values[j * P + i] = F(rng.normal() * inputStd) }
            if shape.recurrent {
                for l in 0..<shape.hidden where l != j { values[j * P + shape.recurrentOffset + l] = F(rng.normal() * recurrentStd) }
            }
        }
        let readoutStd = (2.0 / Double(shape.hidden + shape.classes)).squareRoot()
        for i in shape.readoutWeightsRange { values[i] = F(rng.normal() * readoutStd) }
        return NetworkParameters(shape: shape, values: values)
    }
}

/// Scales of the initial weights (see `NetworkParameters.initialized`).
public struct WeightInitialization: Codable, Equatable, Sendable {
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
        case inputScale = "input_scale"
        case inputRate = "input_rate"
        case recurrentScale = "recurrent_scale"
    }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        inputScale = try c.decodeIfPresent(Double.self, forKey: .inputScale) ?? 3
        inputRate = try c.decodeIfPresent(Double.self, forKey: .inputRate) ?? 0.05
        recurrentScale = try c.decodeIfPresent(Double.self, forKey: .recurrentScale) ?? 0.5
    }
}
