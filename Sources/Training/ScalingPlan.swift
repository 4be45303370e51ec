import Foundation
import LearningRules
import NeuronModels

/// One point of a scaling sweep: a network, a workload and a rank count, measured in a process
/// group of its own (`eprop scale` launches `mpirun -np ranks eprop scale --point …` per point,
/// so each process's peak resident memory belongs to that point alone).
///
/// Weak scaling: every rank processes `localBatch` samples, the global batch is
/// `localBatch × ranks`, so per-rank memory is comparable across rank counts.
public struct ScalingPoint: Codable, Sendable, Equatable, Hashable {
    /// "eprop" or "bptt".
    public var method: String
    /// A model name of `ModelRegistry` ("alif", "lif", "rf").
    public var model: String
    /// H.
    public var hidden: Int
    /// T, time steps per sample.
    public var steps: Int
    public var ranks: Int
    /// Samples per rank and update.
    public var localBatch: Int
    /// N_in (700 for SHD-shaped input).
    public var inputs: Int = 700
    public var classes: Int = 20
    /// Bernoulli probability of an input spike per channel and step.
    public var rate: Double = 0.03
    /// Real training updates (one global batch each) the point runs.
    public var updates: Int = 3
    public var recurrent: Bool = false
    /// κ, the readout leak.
    public var readoutLeak: Double = 0
    /// The model's `detach_reset` = 1 (LIF, ALIF): constant J, so e-prop takes its factorised path.
    public var detachReset: Bool = false
    public var seed: UInt64 = 1

    public init(method: String, model: String, hidden: Int, steps: Int, ranks: Int, localBatch: Int) {
        self.method = method
        self.model = model
        self.hidden = hidden
        self.steps = steps
        self.ranks = ranks
        self.localBatch = localBatch
    }

    enum CodingKeys: String, CodingKey {
        case method, model, hidden, steps, ranks, inputs, classes, rate, updates, recurrent, seed
        case localBatch = "local_batch"
        case readoutLeak = "readout_leak"
        case detachReset = "detach_reset"
    }

    public var globalBatch: Int { localBatch * ranks }

    /// "eprop alif H=256 T=100 ranks=2 B=32/rank".
    public var label: String { "\(method) \(model) H=\(hidden) T=\(steps) ranks=\(ranks) B=\(localBatch)/rank" }

    /// A file-name-safe identifier: "eprop-alif-H256-T100-R2-B32".
    public var slug: String { "\(method)-\(model)-H\(hidden)-T\(steps)-R\(ranks)-B\(localBatch)" }

    public var modelSpec: ModelSpec {
        ModelSpec(name: model, parameters: detachReset ? ["detach_reset": 1] : [:])
    }

    public var shape: NetworkShape {
        NetworkShape(inputs: inputs, hidden: hidden, classes: classes, recurrent: recurrent, bias: true)
    }

    public var readout: ReadoutOptions { ReadoutOptions(leak: readoutLeak) }

    /// The in-memory config the point trains with: one global batch of synthetic samples,
    /// `updates` epochs of one update each, Adam, float32, no logging.
    public var trainingConfig: TrainingConfig {
        var synthetic = SyntheticTaskConfig(inputs: inputs, steps: steps, classes: classes, trainSamples: globalBatch, testSamples: 1)
        synthetic.rate = rate
        var network = NetworkConfig(hidden: hidden, recurrent: recurrent, bias: true, readoutLeak: readoutLeak)
        network.initialization.inputRate = max(rate, 1e-6)
        var config = TrainingConfig(model: modelSpec, network: network, data: DataConfig(synthetic: synthetic))
        config.seed = seed
        config.training.method = method
        config.training.epochs = updates
        config.training.batchSize = globalBatch
        config.training.logEverySteps = 0
        return config
    }

    /// The `eprop scale` options that describe exactly this point (one value each), after
    /// which `--point` makes the process run it under its communicator.
    public var commandArguments: [String] {
        var arguments = ["--method", method, "--model", model, "--hidden", "\(hidden)", "--steps", "\(steps)", "--ranks", "\(ranks)",
                         "--batch", "\(localBatch)", "--inputs", "\(inputs)", "--classes", "\(classes)", "--rate", "\(rate)",
                         "--updates", "\(updates)", "--seed", "\(seed)", "--readout-leak", "\(readoutLeak)"]
        if recurrent { arguments.append("--recurrent") }
        if detachReset { arguments.append("--detach-reset") }
        return arguments
    }
}

/// The grid `eprop scale` sweeps: every combination of method, model, rank count, hidden size
/// and sequence length, with the rest of the workload fixed.
public struct ScalingSweep: Codable, Sendable, Equatable {
    public var methods: [String] = ["eprop", "bptt"]
    public var models: [String] = ["alif"]
    public var hidden: [Int] = [256, 512]
    public var steps: [Int] = [100, 1000]
    public var ranks: [Int] = [1, 2]
    public var localBatch: Int = 32
    public var inputs: Int = 700
    public var classes: Int = 20
    public var rate: Double = 0.03
    public var updates: Int = 3
    public var recurrent = false
    public var readoutLeak: Double = 0
    public var detachReset = false
    public var seed: UInt64 = 1

    public init() {}

    /// The full sweep of the paper's memory claim: H up to 2048, T up to 5000.
    public static var full: ScalingSweep {
        var sweep = ScalingSweep()
        sweep.hidden = [256, 512, 1024, 2048]
        sweep.steps = [100, 1000, 2000, 5000]
        return sweep
    }

    enum CodingKeys: String, CodingKey {
        case methods, models, hidden, steps, ranks, inputs, classes, rate, updates, recurrent, seed
        case localBatch = "local_batch"
        case readoutLeak = "readout_leak"
        case detachReset = "detach_reset"
    }

    /// Throws naming the first invalid value.
    public func validate() throws {
        func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
            if !condition { throw TrainingError(message()) }
        }
        try require(!methods.isEmpty && methods.allSatisfy { ["eprop", "bptt"].contains($0) }, "--method must list eprop and/or bptt, got \(methods.joined(separator: ","))")
        try require(!models.isEmpty, "--model needs at least one model name")
        for model in models {
            try require(ModelRegistry.names.contains(model), "unknown model \"\(model)\"; expected one of \(ModelRegistry.names.joined(separator: ", "))")
        }
        for (values, name) in [(hidden, "--hidden"), (steps, "--steps"), (ranks, "--ranks")] {
            try require(!values.isEmpty && values.allSatisfy { $0 > 0 }, "\(name) needs positive integers, got \(values)")
        }
        for (value, name) in [(localBatch, "--batch"), (inputs, "--inputs"), (updates, "--updates")] {
            try require(value > 0, "\(name) must be positive, got \(value)")
        }
        try require(classes >= 2, "--classes must be at least 2, got \(classes)")
        try require((0...1).contains(rate), "--rate must lie in [0, 1], got \(rate)")
        try require((0..<1).contains(readoutLeak), "--readout-leak must lie in [0, 1), got \(readoutLeak)")
        if detachReset {
            for model in models {
                try require(["lif", "alif"].contains(model), "--detach-reset applies to lif and alif only, not \(model)")
            }
        }
    }

    /// Every point, ordered by method, model, ranks, hidden size and sequence length (each
    /// list in the order given, duplicates dropped).
    public func points() -> [ScalingPoint] {
        func unique<T: Hashable>(_ values: [T]) -> [T] {
            var seen = Set<T>()
            return values.filter { seen.insert($0).inserted }
        }
        var result: [ScalingPoint] = []
        for method in unique(methods) {
            for model in unique(models) {
                for r in unique(ranks) {
                    for h in unique(hidden) {
                        for t in unique(steps) {
                            var p = ScalingPoint(method: method, model: model, hidden: h, steps: t, ranks: r, localBatch: localBatch)
                            p.inputs = inputs
                            p.classes = classes
                            p.rate = rate
                            p.updates = updates
                            p.recurrent = recurrent
                            p.readoutLeak = readoutLeak
                            p.detachReset = detachReset
                            p.seed = seed
                            result.append(p)
                        }
                    }
                }
            }
        }
        return result
    }
}
