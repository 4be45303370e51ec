import BPTTReference
import LearningRules
import NeuronModels
import RealNumerics
import SpikeData

/// One row of `eprop check-grad`: e-prop against BPTT on the W gradient of one network.
public struct GradientCheckCase: Codable, Sendable, Equatable {
    public var model: String
    public var recurrent: Bool
    public var readoutLeak: Double
    public var maxRelativeError: Double
    public var cosine: Double
    /// Whether e-prop is exact for this case (no explicit recurrence, symmetric feedback).
    public var exactExpected: Bool

    enum CodingKeys: String, CodingKey {
        case model, recurrent, cosine
        case readoutLeak = "readout_leak"
        case maxRelativeError = "max_rel_error"
        case exactExpected = "exact_expected"
    }
}

/// e-prop vs BPTT on the first batch of the config's training data, for every shipped model,
/// without and with explicit recurrence, with an instantaneous readout and with the config's
/// readout leak (0.8 when the config's is 0), in the config's precision.
public func runGradientCheck(config: TrainingConfig, train: any SampleSet) throws -> [GradientCheckCase] {
    let batch = try train.batch(0..<min(config.training.batchSize, train.count))
    let leak = config.network.readoutLeak > 0 ? config.network.readoutLeak : 0.8
    var cases: [GradientCheckCase] = []
    for name in ModelRegistry.names {
        var spec = config.model
        spec.name = name
        if name != config.model.name { spec.parameters = [:] }
        for recurrent in [false, true] {
            for kappa in [0, leak] {
                var network = config.network
                network.recurrent = recurrent
                network.readoutLeak = kappa
                let shape = NetworkShape(inputs: train.channelCount, hidden: network.hidden, classes: train.classCount, recurrent: recurrent, bias: network.bias)
                let check = GradientCheckVisitor(shape: shape, readout: network.readout, initialization: network.initialization, seed: config.seed, batch: batch)
                let comparison = config.precision == "float64"
                    ? try ModelRegistry.visit(spec, check.in(Double.self))
                    : try ModelRegistry.visit(spec, check.in(Float.self))
                cases.append(GradientCheckCase(model: name, recurrent: recurrent, readoutLeak: kappa,
                                               maxRelativeError: comparison.maxRelativeError, cosine: comparison.cosine,
                                               exactExpected: !recurrent && network.feedback == .symmetric))
            }
        }
    }
    return cases
}

private struct GradientCheckVisitor {
    let shape: NetworkShape
    let readout: ReadoutOptions
    let initialization: WeightInitialization
    let seed: UInt64
    let batch: SpikeBatch

    func `in`<F: RealScalar>(_: F.Type) -> Precision<F> { Precision(check: self) }

    struct Precision<F: RealScalar>: NeuronModelVisitor {
        let check: GradientCheckVisitor
        func visit<Model: NeuronModel>(_ model: Model) throws -> GradientComparison {
            let c = check
            let parameters = NetworkParameters<F>.initialized(shape: c.shape, seed: c.seed, initialization: c.initialization)
            var eprop = [F](repeating: 0, count: c.shape.parameterCount), bptt = eprop
            _ = EProp<Model, F>(model: model, shape: c.shape, readout: c.readout, feedbackSeed: c.seed).accumulateGradient(of: c.batch, parameters: parameters, into: &eprop)
            _ = BPTT<Model, F>(model: model, shape: c.shape, readout: c.readout).accumulateGradient(of: c.batch, parameters: parameters, into: &bptt)
            return GradientComparison(eprop: Array(eprop[c.shape.hiddenWeightsRange]), bptt: Array(bptt[c.shape.hiddenWeightsRange]))
        }
    }
}
