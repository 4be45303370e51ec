import BPTTReference
import Distribution
import Foundation
import LearningRules
import NeuronModels
import RealNumerics
import SpikeData

/// The workload of `eprop bench step`: full training steps (forward, gradient, optimizer) on
/// Bernoulli input spikes.
public struct StepBenchmarkSpec: Codable, Sendable {
    public var model: String = "alif"
    public var method: String = "eprop"
    public var inputs: Int = 700
    public var hidden: Int = 256
    public var steps: Int = 100
    public var batch: Int = 32
    public var classes: Int = 20
    /// Input spike probability per channel and step.
    public var rate: Double = 0.03
    /// Timed repetitions at least, after one warm-up step.
    public var repetitions: Int = 3
    /// Keep repeating (up to 50) while the total stays within this many seconds.
    public var budgetSeconds: Double = 10
    public var recurrent = false
    public init() {}
}

/// What `eprop bench step` measures.
public struct StepBenchmarkResult: Codable, Sendable {
    public var spec: StepBenchmarkSpec
    public var stepSeconds: [Double]
    public var medianSeconds: Double
    public var samplesPerSecond: Double
    /// B·T·H·P / median step time: synapse updates per second.
    public var synapseStepsPerSecond: Double
    public var peakResidentBytes: Int
    public var memory: MemoryAccount

    enum CodingKeys: String, CodingKey {
        case spec, memory
        case stepSeconds = "step_seconds"
        case medianSeconds = "median_seconds"
        case samplesPerSecond = "samples_per_second"
        case synapseStepsPerSecond = "synapse_steps_per_second"
        case peakResidentBytes = "peak_rss_bytes"
    }
}

/// Runs the benchmark in Float.
public func benchmarkStep(_ spec: StepBenchmarkSpec) throws -> StepBenchmarkResult {
    try ModelRegistry.visit(ModelSpec(name: spec.model), StepBenchmarkVisitor(spec: spec))
}

private struct StepBenchmarkVisitor: NeuronModelVisitor {
    let spec: StepBenchmarkSpec

    func visit<Model: NeuronModel>(_ model: Model) throws -> StepBenchmarkResult {
        let shape = NetworkShape(inputs: spec.inputs, hidden: spec.hidden, classes: spec.classes, recurrent: spec.recurrent, bias: true)
        let data = bernoulliDataset(count: spec.batch, inputs: spec.inputs, steps: spec.steps, classes: spec.classes, rate: spec.rate, seed: 1)
        let batch = data.batch(0..<spec.batch)
        let readout = ReadoutOptions()
        // Generic, not existential, so the estimator's hot path is specialised (see TrainingSession).
        return spec.method == "bptt"
            ? measure(BPTT<Model, Float>(model: model, shape: shape, readout: readout), shape: shape, batch: batch)
            : measure(EProp<Model, Float>(model: model, shape: shape, readout: readout), shape: shape, batch: batch)
    }

    func measure<Estimator: GradientEstimator>(_ estimator: Estimator, shape: NetworkShape, batch: SpikeBatch) -> StepBenchmarkResult
    where Estimator.Real == Float {
        var parameters = NetworkParameters<Float>.initialized(shape: shape, seed: 1, initialization: WeightInitialization(inputRate: spec.rate))
        var optimizer = Optimizer<Float>(config: OptimizerConfig(), parameterCount: shape.parameterCount)
        var gradient = [Float](repeating: 0, count: shape.parameterCount)

        func trainingStep() -> Double {
            let start = Date()
            for i in gradient.indices { gradient[i] = 0 }
            _ = estimator.accumulateGradient(of: batch, parameters: parameters, into: &gradient)
            optimizer.apply(gradient: gradient, to: &parameters.values, learningRate: 1e-3)
            return Date().timeIntervalSince(start)
        }
        let warmUp = trainingStep()
        let repetitions = max(spec.repetitions, min(50, Int(spec.budgetSeconds / max(warmUp, 1e-6))))
        let times = (0..<repetitions).map { _ in trainingStep() }
        let median = times.sorted()[times.count / 2]
        return StepBenchmarkResult(
            spec: spec, stepSeconds: times, medianSeconds: median, samplesPerSecond: Double(spec.batch) / median,
            synapseStepsPerSecond: Double(spec.batch * spec.steps * spec.hidden * shape.presynapticCount) / median,
            peakResidentBytes: ResourceUsage.peakResidentBytes(), memory: estimator.memory)
    }
}
