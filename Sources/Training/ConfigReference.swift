/// Every config field with its default and meaning: printed by `eprop train --help` and
/// reproduced in README ("Config reference"); a test keeps the two in step.
public enum ConfigReference {
    public struct Field: Sendable {
        public var key: String
        public var defaultValue: String
        public var meaning: String
    }

    public static let fields: [Field] = [
        .init(key: "seed", defaultValue: "1", meaning: "seeds weights, data generation, shuffling, random feedback"),
        .init(key: "precision", defaultValue: "\"float32\"", meaning: "\"float32\" or \"float64\""),
        .init(key: "model.name", defaultValue: "required", meaning: "\"lif\", \"alif\" or \"rf\" (resonate-and-fire)"),
        .init(key: "model.surrogate.kind", defaultValue: "\"sigmoid\"", meaning: "\"sigmoid\", \"fast_sigmoid\" or \"triangle\""),
        .init(key: "model.surrogate.scale", defaultValue: "10", meaning: "steepness β (sigmoid, fast_sigmoid) or width (triangle)"),
        .init(key: "model.parameters", defaultValue: "{}", meaning: "model parameters by name (see each model's doc comment; unknown names are errors)"),
        .init(key: "network.hidden", defaultValue: "required", meaning: "H, hidden neurons"),
        .init(key: "network.recurrent", defaultValue: "false", meaning: "explicit recurrence V (e-prop then approximates BPTT)"),
        .init(key: "network.bias", defaultValue: "true", meaning: "hidden-neuron biases"),
        .init(key: "network.readout_leak", defaultValue: "0", meaning: "readout leak κ in [0, 1); 0 = instantaneous readout"),
        .init(key: "network.loss", defaultValue: "\"per_step\"", meaning: "\"per_step\" (cross-entropy every step, summed) or \"summed_readout\""),
        .init(key: "network.feedback", defaultValue: "\"symmetric\"", meaning: "\"symmetric\" (B = W_outᵀ) or \"random\" (fixed random B)"),
        .init(key: "network.initialization.input", defaultValue: "\"scaled_normal\"", meaning: "\"scaled_normal\" or \"orthogonal\" (× input_gain, the paper's setup)"),
        .init(key: "network.initialization.input_gain", defaultValue: "√2", meaning: "gain of orthogonal input weights"),
        .init(key: "network.initialization.input_scale", defaultValue: "3", meaning: "input weights ~ N(0, (scale/√(N_in·rate))²)"),
        .init(key: "network.initialization.input_rate", defaultValue: "0.05", meaning: "assumed input spike probability per step"),
        .init(key: "network.initialization.recurrent_scale", defaultValue: "0.5", meaning: "recurrent weights ~ N(0, (scale/√H)²)"),
        .init(key: "data.source", defaultValue: "required", meaning: "\"synthetic\" or \"hdf5\" (SHD/SSC layout)"),
        .init(key: "data.synthetic.inputs", defaultValue: "required", meaning: "synthetic task: input channels"),
        .init(key: "data.synthetic.steps", defaultValue: "required", meaning: "synthetic task: T"),
        .init(key: "data.synthetic.classes", defaultValue: "required", meaning: "synthetic task: classes (≥ 2)"),
        .init(key: "data.synthetic.train_samples", defaultValue: "required", meaning: "synthetic task: training samples"),
        .init(key: "data.synthetic.test_samples", defaultValue: "required", meaning: "synthetic task: test samples"),
        .init(key: "data.synthetic.rate", defaultValue: "0.05", meaning: "template spike probability per channel and step"),
        .init(key: "data.synthetic.dropout", defaultValue: "0.2", meaning: "probability a template spike is dropped from a sample"),
        .init(key: "data.synthetic.noise", defaultValue: "0.01", meaning: "probability of a noise spike per channel and step"),
        .init(key: "data.train", defaultValue: "—", meaning: "hdf5: training file (or --train FILE)"),
        .init(key: "data.test", defaultValue: "—", meaning: "hdf5: test file (or --test FILE)"),
        .init(key: "data.steps", defaultValue: "100", meaning: "hdf5: T, bins per sample"),
        .init(key: "data.max_time_s", defaultValue: "1.4", meaning: "hdf5: seconds binned into T steps; later spikes dropped"),
        .init(key: "data.channel_pooling", defaultValue: "1", meaning: "hdf5: merge this many adjacent channels (700 → 350 for 2)"),
        .init(key: "data.channels", defaultValue: "700", meaning: "hdf5: channels in the files (units must be below it)"),
        .init(key: "data.load", defaultValue: "\"memory\"", meaning: "hdf5: \"memory\" (each rank holds the binned files) or \"per_batch\" (each rank reads its batches' rows from the files)"),
        .init(key: "training.method", defaultValue: "\"eprop\"", meaning: "\"eprop\" or \"bptt\""),
        .init(key: "training.epochs", defaultValue: "10", meaning: "epochs"),
        .init(key: "training.batch_size", defaultValue: "32", meaning: "global batch G, split evenly over the ranks"),
        .init(key: "training.optimizer.kind", defaultValue: "\"adam\"", meaning: "\"adam\", \"adamw\" or \"sgd\" (momentum)"),
        .init(key: "training.optimizer.learning_rate", defaultValue: "0.001", meaning: "base learning rate"),
        .init(key: "training.optimizer.beta1", defaultValue: "0.9", meaning: "Adam β₁"),
        .init(key: "training.optimizer.beta2", defaultValue: "0.999", meaning: "Adam β₂"),
        .init(key: "training.optimizer.epsilon", defaultValue: "1e-8", meaning: "Adam ε"),
        .init(key: "training.optimizer.weight_decay", defaultValue: "0", meaning: "L2 (adam, sgd) or decoupled (adamw) weight decay"),
        .init(key: "training.optimizer.momentum", defaultValue: "0.9", meaning: "SGD momentum"),
        .init(key: "training.clip_norm", defaultValue: "none", meaning: "global-norm gradient clipping threshold"),
        .init(key: "training.schedule.kind", defaultValue: "\"constant\"", meaning: "\"constant\", \"step\" or \"cosine\" (per epoch)"),
        .init(key: "training.schedule.step_epochs", defaultValue: "10", meaning: "step: multiply by gamma every this many epochs"),
        .init(key: "training.schedule.gamma", defaultValue: "0.5", meaning: "step: factor"),
        .init(key: "training.schedule.min_learning_rate", defaultValue: "0", meaning: "cosine: final learning rate"),
        .init(key: "training.log_every_steps", defaultValue: "10", meaning: "metrics.jsonl line every N updates (0: per epoch only)"),
        .init(key: "training.checkpoint_every_steps", defaultValue: "0", meaning: "checkpoint every N updates (0: end of each epoch only)"),
        .init(key: "training.keep_checkpoints", defaultValue: "3", meaning: "newest checkpoints kept in DIR/checkpoints"),
    ]

    /// The reference as aligned text.
    public static var text: String {
        let width = fields.map(\.key.count).max()! + 2
        let defaultWidth = fields.map(\.defaultValue.count).max()! + 2
        return fields.map {
            "  " + $0.key.padding(toLength: width, withPad: " ", startingAt: 0)
                + $0.defaultValue.padding(toLength: defaultWidth, withPad: " ", startingAt: 0) + $0.meaning
        }.joined(separator: "\n")
    }
}
