import RealNumerics

/// The synthetic classification task: each class is a frozen random spike pattern over
/// (channel, step); a sample is its class's pattern with spikes dropped and noise spikes added.
///
/// Small and deterministic for a seed, it is sized so a network without recurrence (where
/// e-prop equals BPTT) learns it to near 100 % within seconds.
public struct SyntheticTask: Codable, Equatable, Sendable {
    /// Input channels.
    public var inputs: Int
    /// T, steps per sample.
    public var steps: Int
    /// C, number of classes.
    public var classes: Int
    /// Probability that a (channel, step) of a class template spikes.
    public var rate: Double
    /// Probability that a template spike is dropped from a sample.
    public var dropout: Double
    /// Probability of an extra noise spike per (channel, step).
    public var noise: Double

    public init(inputs: Int, steps: Int, classes: Int, rate: Double = 0.05, dropout: Double = 0.2, noise: Double = 0.01) {
        self.inputs = inputs
        self.steps = steps
        self.classes = classes
        self.rate = rate
        self.dropout = dropout
        self.noise = noise
    }

    /// Stream tags keep templates, training and test samples independent for one seed.
    private enum Stream: UInt64 { case templates = 1, train, test }

    /// `count` samples for `split`, labels cycling through the classes.
    public func generate(count: Int, seed: UInt64, test: Bool) -> SpikeDataset {
        var templateRNG = Xoshiro256(seed: seed, stream: Stream.templates.rawValue)
        let templates: [[[Int]]] = (0..<classes).map { _ in
            (0..<steps).map { _ in (0..<inputs).filter { _ in templateRNG.uniform() < rate } }
        }
        var rng = Xoshiro256(seed: seed, stream: (test ? Stream.test : Stream.train).rawValue)
        var samples: [SpikeRaster] = []
        var labels: [Int] = []
        for n in 0..<count {
            let label = n % classes
            let active: [[Int]] = templates[label].map { step in
                var kept = step.filter { _ in rng.uniform() >= dropout }
                for c in 0..<inputs where rng.uniform() < noise { kept.append(c) }
                return kept
            }
            samples.append(SpikeRaster(channelCount: inputs, activePerStep: active))
            labels.append(label)
        }
        return SpikeDataset(samples: samples, labels: labels, classCount: classes)
    }
}

/// `count` samples of Bernoulli input spikes (`BernoulliSpikes`) with random labels: the
/// workload of benchmarks and the memory harness (SHD-shaped when `inputs` = 700).
///
/// Streamed samples generate each step when the engine asks for it and hold nothing that grows
/// with T; recorded ones (`streamed: false`) hold the very same spikes as rasters.
public func bernoulliDataset(count: Int, inputs: Int, steps: Int, classes: Int, rate: Double, seed: UInt64, streamed: Bool = false) -> SpikeDataset {
    let samples: [any SpikeSource] = (0..<count).map { n in
        let source = BernoulliSpikes(steps: steps, channelCount: inputs, rate: rate, seed: seed, sample: UInt64(n))
        return streamed ? source : SpikeRaster(recording: source)
    }
    var rng = Xoshiro256(seed: seed, stream: 99)
    let labels = (0..<count).map { _ in rng.index(below: classes) }
    return SpikeDataset(samples: samples, labels: labels, classCount: classes)
}
