import Foundation
import LearningRules
import NeuronModels
import RealNumerics
import SpikeData

/// A training run's whole configuration, read from JSON (snake_case keys). Every field but
/// `model.name`, `network.hidden` and `data` has a default; unknown fields are errors, and
/// `validate()` checks every range, naming the field.
public struct TrainingConfig: Codable, Equatable, Sendable {
    /// Seeds weights, data generation, shuffling and random feedback.
    public var seed: UInt64 = 1
    /// "float32" (training) or "float64" (exactness checks).
    public var precision: String = "float32"
    public var model: ModelSpec
    public var network: NetworkConfig
    public var data: DataConfig
    public var training: OptimizationConfig = OptimizationConfig()

    public init(model: ModelSpec, network: NetworkConfig, data: DataConfig, training: OptimizationConfig = OptimizationConfig()) {
        self.model = model
        self.network = network
        self.data = data
        self.training = training
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case seed, precision, model, network, data, training }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.decode(.seed, into: &seed)
        try c.decode(.precision, into: &precision)
        model = try c.decode(ModelSpec.self, forKey: .model)
        network = try c.decode(NetworkConfig.self, forKey: .network)
        data = try c.decode(DataConfig.self, forKey: .data)
        try c.decode(.training, into: &training)
    }

    /// Reads and validates the config at `path`.
    public static func load(path: String) throws -> TrainingConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(key: "(file)", message: "cannot read config file \(path)")
        }
        return try decode(data, source: path)
    }

    /// Decodes and validates JSON `data`; `source` names it in errors.
    public static func decode(_ data: Data, source: String = "config") throws -> TrainingConfig {
        let config: TrainingConfig
        do {
            config = try JSONDecoder().decode(TrainingConfig.self, from: data)
        } catch let error as DecodingError {
            throw configurationError(from: error)
        }
        try config.validate()
        return config
    }

    /// Checks every value's range; throws naming the first invalid field.
    public func validate() throws(ConfigurationError) {
        try Validator(prefix: "").oneOf(precision, ["float32", "float64"], "precision")
        do {
            _ = try ModelRegistry.visit(model, ModelValidation())
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(key: "model", message: "\(error)")
        }
        try network.validate()
        try data.validate()
        try training.validate()
    }

    /// The network's shape for data with `inputs` channels and `classes` classes.
    public func shape(inputs: Int, classes: Int) -> NetworkShape {
        NetworkShape(inputs: inputs, hidden: network.hidden, classes: classes, recurrent: network.recurrent, bias: network.bias)
    }

    /// Encodes as pretty JSON with sorted keys (for checkpoints and run directories).
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try! encoder.encode(self)
    }
}

private struct ModelValidation: NeuronModelVisitor {
    func visit<Model: NeuronModel>(_ model: Model) throws -> Bool { true }
}

/// `network`: hidden layer and readout.
public struct NetworkConfig: Codable, Equatable, Sendable {
    /// H, hidden neurons.
    public var hidden: Int
    /// Explicit recurrence V.
    public var recurrent: Bool = false
    /// Hidden-neuron biases.
    public var bias: Bool = true
    /// Readout leak κ ∈ [0, 1).
    public var readoutLeak: Double = 0
    /// "per_step" or "summed_readout".
    public var loss: LossKind = .perStep
    /// "symmetric" or "random".
    public var feedback: FeedbackKind = .symmetric
    public var initialization: WeightInitialization = WeightInitialization()

    public init(hidden: Int, recurrent: Bool = false, bias: Bool = true, readoutLeak: Double = 0, loss: LossKind = .perStep, feedback: FeedbackKind = .symmetric) {
        self.hidden = hidden
        self.recurrent = recurrent
        self.bias = bias
        self.readoutLeak = readoutLeak
        self.loss = loss
        self.feedback = feedback
    }

    public var readout: ReadoutOptions { ReadoutOptions(leak: readoutLeak, loss: loss, feedback: feedback) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case hidden, recurrent, bias, loss, feedback, initialization
        case readoutLeak = "readout_leak"
    }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hidden = try c.decode(Int.self, forKey: .hidden)
        try c.decode(.recurrent, into: &recurrent)
        try c.decode(.bias, into: &bias)
        try c.decode(.readoutLeak, into: &readoutLeak)
        let validator = Validator(prefix: "network")
        var lossName = loss.rawValue
        try c.decode(.loss, into: &lossName)
        try validator.oneOf(lossName, LossKind.allCases.map(\.rawValue), "loss")
        loss = LossKind(rawValue: lossName)!
        var feedbackName = feedback.rawValue
        try c.decode(.feedback, into: &feedbackName)
        try validator.oneOf(feedbackName, FeedbackKind.allCases.map(\.rawValue), "feedback")
        feedback = FeedbackKind(rawValue: feedbackName)!
        try c.decode(.initialization, into: &initialization)
    }

    func validate() throws(ConfigurationError) {
        let v = Validator(prefix: "network")
        try v.positive(hidden, "hidden")
        try v.inRange(readoutLeak, 0.0..<1.0, "readout_leak")
        try v.positive(initialization.inputScale, "initialization.input_scale")
        try v.inRange(initialization.inputRate, 0.0...1.0, "initialization.input_rate")
        try v.positive(initialization.inputRate, "initialization.input_rate")
        try v.inRange(initialization.recurrentScale, 0.0..<100.0, "initialization.recurrent_scale")
        try v.positive(initialization.inputGain, "initialization.input_gain")
    }
}

/// `data`: where samples come from and how they are binned.
public struct DataConfig: Codable, Equatable, Sendable {
    /// "synthetic" (generated from the seed) or "hdf5" (SHD-layout files).
    public var source: String
    /// The synthetic task (source "synthetic").
    public var synthetic: SyntheticTaskConfig?
    /// SHD-layout files (source "hdf5"); relative paths are relative to the working directory.
    public var train: String?
    public var test: String?
    /// T, bins per sample (source "hdf5").
    public var steps: Int = 100
    /// Seconds binned into T steps; later spikes are dropped (source "hdf5").
    public var maxTimeSeconds: Double = 1.4
    /// Merge this many adjacent channels into one (700 → 350 for 2).
    public var channelPooling: Int = 1
    /// Channels of the files (700 for SHD/SSC).
    public var channels: Int = 700
    /// "memory": every rank bins and holds the whole files; "per_batch" (source "hdf5"): every
    /// rank holds only the labels and reads each batch's rows from the files
    /// (`SHDFileSamples`), for datasets larger than a rank's share of memory.
    public var load: String = "memory"

    public init(synthetic: SyntheticTaskConfig) {
        source = "synthetic"
        self.synthetic = synthetic
    }

    public init(train: String, test: String, steps: Int = 100, maxTimeSeconds: Double = 1.4, channelPooling: Int = 1, channels: Int = 700) {
        source = "hdf5"
        self.train = train
        self.test = test
        self.steps = steps
        self.maxTimeSeconds = maxTimeSeconds
        self.channelPooling = channelPooling
        self.channels = channels
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case source, synthetic, train, test, steps, channels, load
        case maxTimeSeconds = "max_time_s"
        case channelPooling = "channel_pooling"
    }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(String.self, forKey: .source)
        synthetic = try c.decodeIfPresent(SyntheticTaskConfig.self, forKey: .synthetic)
        train = try c.decodeIfPresent(String.self, forKey: .train)
        test = try c.decodeIfPresent(String.self, forKey: .test)
        try c.decode(.steps, into: &steps)
        try c.decode(.maxTimeSeconds, into: &maxTimeSeconds)
        try c.decode(.channelPooling, into: &channelPooling)
        try c.decode(.channels, into: &channels)
        try c.decode(.load, into: &load)
    }

    func validate() throws(ConfigurationError) {
        let v = Validator(prefix: "data")
        try v.oneOf(source, ["synthetic", "hdf5"], "source")
        try v.oneOf(load, ["memory", "per_batch"], "load")
        if load == "per_batch" && source != "hdf5" {
            throw ConfigurationError(key: "data.load", message: "\"per_batch\" reads batches from files: it needs data.source \"hdf5\"")
        }
        if source == "synthetic" {
            guard let synthetic else { throw ConfigurationError(key: "data.synthetic", message: "required when data.source is \"synthetic\"") }
            try synthetic.validate()
        } else {
            if train == nil { throw ConfigurationError(key: "data.train", message: "required when data.source is \"hdf5\" (or pass --train FILE)") }
            if test == nil { throw ConfigurationError(key: "data.test", message: "required when data.source is \"hdf5\" (or pass --test FILE)") }
            try v.positive(steps, "steps")
            try v.positive(maxTimeSeconds, "max_time_s")
            try v.positive(channelPooling, "channel_pooling")
            try v.positive(channels, "channels")
            guard channels <= 65536 else { throw ConfigurationError(key: "data.channels", message: "must be at most 65536 (units are uint16), got \(channels)") }
        }
    }
}

/// `data.synthetic`: the synthetic task's size (see `SyntheticTask`).
public struct SyntheticTaskConfig: Codable, Equatable, Sendable {
    public var inputs: Int
    public var steps: Int
    public var classes: Int
    public var trainSamples: Int
    public var testSamples: Int
    public var rate: Double = 0.05
    public var dropout: Double = 0.2
    public var noise: Double = 0.01

    public init(inputs: Int, steps: Int, classes: Int, trainSamples: Int, testSamples: Int) {
        self.inputs = inputs
        self.steps = steps
        self.classes = classes
        self.trainSamples = trainSamples
        self.testSamples = testSamples
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inputs, steps, classes, rate, dropout, noise
        case trainSamples = "train_samples"
        case testSamples = "test_samples"
    }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        inputs = try c.decode(Int.self, forKey: .inputs)
        steps = try c.decode(Int.self, forKey: .steps)
        classes = try c.decode(Int.self, forKey: .classes)
        trainSamples = try c.decode(Int.self, forKey: .trainSamples)
        testSamples = try c.decode(Int.self, forKey: .testSamples)
        try c.decode(.rate, into: &rate)
        try c.decode(.dropout, into: &dropout)
        try c.decode(.noise, into: &noise)
    }

    var task: SyntheticTask {
        SyntheticTask(inputs: inputs, steps: steps, classes: classes, rate: rate, dropout: dropout, noise: noise)
    }

    func validate() throws(ConfigurationError) {
        let v = Validator(prefix: "data.synthetic")
        try v.positive(inputs, "inputs")
        guard inputs <= SpikeRaster.maximumChannelCount else {
            throw ConfigurationError(key: "data.synthetic.inputs", message: "must be at most 65536 (channels are 16-bit), got \(inputs)")
        }
        try v.positive(steps, "steps")
        try v.positive(classes, "classes")
        guard classes >= 2 else { throw ConfigurationError(key: "data.synthetic.classes", message: "needs at least 2 classes, got \(classes)") }
        try v.positive(trainSamples, "train_samples")
        try v.positive(testSamples, "test_samples")
        try v.inRange(rate, 0.0...1.0, "rate")
        try v.inRange(dropout, 0.0..<1.0, "dropout")
        try v.inRange(noise, 0.0...1.0, "noise")
    }
}

/// `training`: method, schedule of epochs and batches, optimizer, logging and checkpoints.
public struct OptimizationConfig: Codable, Equatable, Sendable {
    /// "eprop" or "bptt".
    public var method: String = "eprop"
    public var epochs: Int = 10
    /// G, the global batch: split evenly over the ranks.
    public var batchSize: Int = 32
    public var optimizer: OptimizerConfig = OptimizerConfig()
    /// Global-norm gradient clipping threshold (none when absent).
    public var clipNorm: Double?
    public var schedule: ScheduleConfig = ScheduleConfig()
    /// Log a metrics line every this many updates (0: only per epoch).
    public var logEverySteps: Int = 10
    /// Write a checkpoint every this many updates (0: only at the end of each epoch).
    public var checkpointEverySteps: Int = 0
    /// Checkpoints kept in DIR/checkpoints (oldest removed first).
    public var keepCheckpoints: Int = 3

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case method, epochs, optimizer, schedule
        case batchSize = "batch_size"
        case clipNorm = "clip_norm"
        case logEverySteps = "log_every_steps"
        case checkpointEverySteps = "checkpoint_every_steps"
        case keepCheckpoints = "keep_checkpoints"
    }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.decode(.method, into: &method)
        try c.decode(.epochs, into: &epochs)
        try c.decode(.batchSize, into: &batchSize)
        try c.decode(.optimizer, into: &optimizer)
        clipNorm = try c.decodeIfPresent(Double.self, forKey: .clipNorm)
        try c.decode(.schedule, into: &schedule)
        try c.decode(.logEverySteps, into: &logEverySteps)
        try c.decode(.checkpointEverySteps, into: &checkpointEverySteps)
        try c.decode(.keepCheckpoints, into: &keepCheckpoints)
    }

    func validate() throws(ConfigurationError) {
        let v = Validator(prefix: "training")
        try v.oneOf(method, ["eprop", "bptt"], "method")
        try v.positive(epochs, "epochs")
        try v.positive(batchSize, "batch_size")
        if let clipNorm { try v.positive(clipNorm, "clip_norm") }
        try v.nonNegative(logEverySteps, "log_every_steps")
        try v.nonNegative(checkpointEverySteps, "checkpoint_every_steps")
        try v.positive(keepCheckpoints, "keep_checkpoints")
        try optimizer.validate()
        try schedule.validate(epochs: epochs)
    }
}

/// `training.optimizer`.
public struct OptimizerConfig: Codable, Equatable, Sendable {
    /// "adam", "adamw" (decoupled weight decay) or "sgd" (with momentum).
    public var kind: String = "adam"
    public var learningRate: Double = 1e-3
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var epsilon: Double = 1e-8
    /// L2 (sgd, adam: added to the gradient) or decoupled (adamw) weight decay.
    public var weightDecay: Double = 0
    /// SGD momentum.
    public var momentum: Double = 0.9

    public init(kind: String = "adam", learningRate: Double = 1e-3) {
        self.kind = kind
        self.learningRate = learningRate
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, beta1, beta2, epsilon, momentum
        case learningRate = "learning_rate"
        case weightDecay = "weight_decay"
    }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.decode(.kind, into: &kind)
        try c.decode(.learningRate, into: &learningRate)
        try c.decode(.beta1, into: &beta1)
        try c.decode(.beta2, into: &beta2)
        try c.decode(.epsilon, into: &epsilon)
        try c.decode(.weightDecay, into: &weightDecay)
        try c.decode(.momentum, into: &momentum)
    }

    func validate() throws(ConfigurationError) {
        let v = Validator(prefix: "training.optimizer")
        try v.oneOf(kind, ["adam", "adamw", "sgd"], "kind")
        try v.positive(learningRate, "learning_rate")
        try v.inRange(beta1, 0.0..<1.0, "beta1")
        try v.inRange(beta2, 0.0..<1.0, "beta2")
        try v.positive(epsilon, "epsilon")
        try v.inRange(weightDecay, 0.0..<1.0, "weight_decay")
        try v.inRange(momentum, 0.0..<1.0, "momentum")
    }
}

/// `training.schedule`: the learning rate over epochs.
public struct ScheduleConfig: Codable, Equatable, Sendable {
    /// "constant", "step" (× `gamma` every `step_epochs`) or "cosine" (to `min_learning_rate`).
    public var kind: String = "constant"
    public var stepEpochs: Int = 10
    public var gamma: Double = 0.5
    public var minLearningRate: Double = 0

    public init(kind: String = "constant") { self.kind = kind }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, gamma
        case stepEpochs = "step_epochs"
        case minLearningRate = "min_learning_rate"
    }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.decode(.kind, into: &kind)
        try c.decode(.stepEpochs, into: &stepEpochs)
        try c.decode(.gamma, into: &gamma)
        try c.decode(.minLearningRate, into: &minLearningRate)
    }

    func validate(epochs: Int) throws(ConfigurationError) {
        let v = Validator(prefix: "training.schedule")
        try v.oneOf(kind, ["constant", "step", "cosine"], "kind")
        try v.positive(stepEpochs, "step_epochs")
        try v.inRange(gamma, 0.0...1.0, "gamma")
        try v.positive(gamma, "gamma")
        guard minLearningRate.isFinite, minLearningRate >= 0 else {
            throw ConfigurationError(key: "training.schedule.min_learning_rate", message: "must be ≥ 0, got \(minLearningRate)")
        }
    }

    /// The learning rate during `epoch` (0-based) of `epochs`, from `base`.
    public func learningRate(base: Double, epoch: Int, epochs: Int) -> Double {
        switch kind {
        case "step":
            return base * Double.exp(Double(epoch / stepEpochs) * Double.log(gamma))
        case "cosine":
            let progress = epochs > 1 ? Double(epoch) / Double(epochs - 1) : 0
            return minLearningRate + (base - minLearningRate) * 0.5 * (1 + Double.cos(Double.pi * progress))
        default:
            return base
        }
    }
}
