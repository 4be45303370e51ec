import BPTTReference
import Distribution
import Foundation
import LearningRules
import NeuronModels
import RealNumerics
import SpikeData

/// The workload of `eprop bench step`: full training steps (forward, gradient, Adam update)
/// on Bernoulli input spikes, in Float.
public struct StepBenchmarkSpec: Codable, Sendable {
    public var model: String = "alif"
    /// "eprop", "bptt", or "forward" (inference only: the floor under both).
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
    /// The model's `detach_reset` (LIF, ALIF): 1 makes J constant, so e-prop factorises.
    public var detachReset = false
    /// The readout leak κ.
    public var readoutLeak: Double = 0
    /// e-prop's block length τ.
    public var blockLength: Int = EPropSchedule.defaultBlockLength
    public init() {}

    enum CodingKeys: String, CodingKey {
        case model, method, inputs, hidden, steps, batch, classes, rate, repetitions, recurrent
        case budgetSeconds = "budget_seconds"
        case detachReset = "detach_reset"
        case readoutLeak = "readout_leak"
        case blockLength = "block_length"
    }

    /// The model's `ModelSpec` (default parameters, `detach_reset` as asked; models without
    /// that parameter reject it).
    public var modelSpec: ModelSpec {
        ModelSpec(name: model, parameters: detachReset ? ["detach_reset": 1] : [:])
    }
}

/// The machine's single-core limits the benchmark compares against, measured in-process:
/// `gflops` by 12 independent 8-wide FMA chains held in registers (`vfmadd213ps ymm`), `gbps` by a streaming update
/// a ← s·a + b over two 64 MiB arrays (12 bytes moved per element). Best of three runs each.
public struct MachineCeilings: Codable, Sendable {
    public var gflops: Double
    public var gbps: Double

    public init(gflops: Double, gbps: Double) {
        self.gflops = gflops
        self.gbps = gbps
    }

    public static func measure() -> MachineCeilings {
        func best(_ run: () -> Double) -> Double { (0..<3).map { _ in run() }.max()! }
        let gflops = best {
            // 96 accumulators = 12 independent 8-wide FMA chains, promoted to registers.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 96) { acc in
                for i in 0..<96 { acc[i] = Float(i) * 1e-3 }
                let iterations = 10_000_000, m: Float = 0.999_999, c: Float = 1e-7
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<iterations {
                    for i in 0..<96 { acc[i] = c.addingProduct(acc[i], m) }
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                return (0..<96).reduce(Float(0)) { $0 + acc[$1] }.isNaN ? 0 : Double(iterations) * 96 * 2 / seconds / 1e9
            }
        }
        let count = 16 << 20
        var a = [Float](repeating: 1, count: count), b = [Float](repeating: 2, count: count)
        let gbps = best {
            let start = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeMutableBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    for i in 0..<count { a[i] = b[i].addingProduct(0.5, a[i]) }
                }
            }
            return Double(count * 12) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) / 1e9
        }
        b[0] = a[1]
        return MachineCeilings(gflops: gflops, gbps: gbps)
    }
}

/// What `eprop bench step` measures for one configuration.
///
/// Work model (per synapse-step = one (sample, step, neuron, presynaptic entry); k state
/// variables): the online e-prop recursion, dense over the presynaptic index, costs
///     flops = (2k² − k) [J ε] + (2k − 1) [ψ · ε] + 2 [∂W += L ē] (+ 2 [ē ← κ ē + e] when κ > 0)
///           = 2k² + k + 1 (+ 2)            (ALIF 11, LIF 4; the sparse g·p term is not counted)
/// and streams 8·(k + [κ > 0]) bytes of traces (each lane read and written). The compute
/// ceiling is `ceilings.gflops` over the flops of one sample, the streaming bound
/// `ceilings.gbps` over its bytes. `effectiveGFLOPS` counts those nominal flops per second: it
/// exceeds the peak when the engine's schedule does less work than the recursion (block
/// algebra, events, factorisation).
///
/// Modelled DRAM traffic of the engine's schedule, per batch: the eligibility state (ε, ē, S)
/// written and read once per block boundary, 2·(⌈T/τ⌉ − 1)·(trace bytes); the per-sample block
/// record stays in cache and is not counted (so T ≤ τ models no traffic).
public struct StepBenchmarkResult: Codable, Sendable {
    public var spec: StepBenchmarkSpec
    public var ceilings: MachineCeilings
    /// e-prop took the factorised path (shared ε).
    public var factorised: Bool?
    public var stepSeconds: [Double]
    public var medianSeconds: Double
    public var samplesPerSecond: Double
    /// B·T·H·P / median step time.
    public var synapseStepsPerSecond: Double
    /// e-prop only (nil otherwise): the work model above.
    public var nominalFlopsPerSynapseStep: Double?
    public var effectiveGFLOPS: Double?
    public var computeCeilingSamplesPerSecond: Double?
    public var percentOfComputeCeiling: Double?
    public var streamingBoundSamplesPerSecond: Double?
    public var modelledBytesPerBatch: Double?
    public var achievedGBps: Double?
    /// VmRSS just before the first step, and VmHWM over the steps (the peak is reset first).
    public var residentBeforeBytes: Int
    public var peakResidentBytes: Int
    public var memory: MemoryAccount

    enum CodingKeys: String, CodingKey {
        case spec, ceilings, factorised, memory
        case stepSeconds = "step_seconds"
        case medianSeconds = "median_seconds"
        case samplesPerSecond = "samples_per_second"
        case synapseStepsPerSecond = "synapse_steps_per_second"
        case nominalFlopsPerSynapseStep = "nominal_flops_per_synapse_step"
        case effectiveGFLOPS = "effective_gflops"
        case computeCeilingSamplesPerSecond = "compute_ceiling_samples_per_second"
        case percentOfComputeCeiling = "percent_of_compute_ceiling"
        case streamingBoundSamplesPerSecond = "streaming_bound_samples_per_second"
        case modelledBytesPerBatch = "modelled_bytes_per_batch"
        case achievedGBps = "achieved_gbps"
        case residentBeforeBytes = "rss_before_bytes"
        case peakResidentBytes = "peak_rss_bytes"
    }
}

/// Runs the benchmark in Float.
public func benchmarkStep(_ spec: StepBenchmarkSpec, ceilings: MachineCeilings) throws -> StepBenchmarkResult {
    try ModelRegistry.visit(spec.modelSpec, StepBenchmarkVisitor(spec: spec, ceilings: ceilings))
}

/// Resets the process's peak resident set size (`VmHWM`) to the current one (Linux ≥ 4.0);
/// false where that is not possible.
@discardableResult
public func resetPeakResidentBytes() -> Bool {
    guard let file = fopen("/proc/self/clear_refs", "w") else { return false }
    defer { fclose(file) }
    return fputs("5", file) >= 0
}

private struct StepBenchmarkVisitor: NeuronModelVisitor {
    let spec: StepBenchmarkSpec
    let ceilings: MachineCeilings

    func visit<Model: NeuronModel>(_ model: Model) throws -> StepBenchmarkResult {
        let shape = NetworkShape(inputs: spec.inputs, hidden: spec.hidden, classes: spec.classes, recurrent: spec.recurrent, bias: true)
        let batch = bernoulliDataset(count: spec.batch, inputs: spec.inputs, steps: spec.steps, classes: spec.classes, rate: spec.rate, seed: 1)
            .batch(0..<spec.batch)
        let readout = ReadoutOptions(leak: spec.readoutLeak)
        // Generic, not existential, so the estimator's hot path is specialised (see TrainingSession).
        switch spec.method {
        case "bptt":
            return measure(BPTT<Model, Float>(model: model, shape: shape, readout: readout), shape: shape, batch: batch)
        case "forward":
            return measure(ForwardOnly<Model>(model: model, shape: shape, readout: readout), shape: shape, batch: batch)
        default:
            let eprop = EProp<Model, Float>(model: model, shape: shape, readout: readout, schedule: EPropSchedule(blockLength: spec.blockLength))
            var result = measure(eprop, shape: shape, batch: batch)
            let k = Double(Model.stateCount), leaky = spec.readoutLeak > 0 ? 1.0 : 0
            let flops = 2 * k * k + k + 1 + 2 * leaky
            let synapseStepsPerSample = Double(spec.steps * spec.hidden * shape.presynapticCount)
            let blocks = Double((spec.steps + spec.blockLength - 1) / spec.blockLength)
            let bytes = 2 * (blocks - 1) * Double(result.memory.traces)
            result.factorised = eprop.isFactorised
            result.nominalFlopsPerSynapseStep = flops
            result.effectiveGFLOPS = flops * result.synapseStepsPerSecond / 1e9
            result.computeCeilingSamplesPerSecond = ceilings.gflops * 1e9 / (flops * synapseStepsPerSample)
            result.percentOfComputeCeiling = 100 * result.samplesPerSecond / result.computeCeilingSamplesPerSecond!
            result.streamingBoundSamplesPerSecond = ceilings.gbps * 1e9 / (8 * (k + leaky) * synapseStepsPerSample)
            result.modelledBytesPerBatch = bytes
            result.achievedGBps = bytes / result.medianSeconds / 1e9
            return result
        }
    }

    func measure<Estimator: GradientEstimator>(_ estimator: Estimator, shape: NetworkShape, batch: SpikeBatch) -> StepBenchmarkResult
    where Estimator.Real == Float {
        var parameters = NetworkParameters<Float>.initialized(shape: shape, seed: 1, initialization: WeightInitialization(inputRate: spec.rate))
        var optimizer = Optimizer<Float>(config: OptimizerConfig(), parameterCount: shape.parameterCount)
        var gradient = [Float](repeating: 0, count: shape.parameterCount)
        let residentBefore = ResourceUsage.currentResidentBytes()
        resetPeakResidentBytes()

        func trainingStep() -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            for i in gradient.indices { gradient[i] = 0 }
            _ = estimator.accumulateGradient(of: batch, parameters: parameters, into: &gradient)
            optimizer.apply(gradient: gradient, to: &parameters.values, learningRate: 1e-3)
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let warmUp = trainingStep()
        let repetitions = max(spec.repetitions, min(50, Int(spec.budgetSeconds / max(warmUp, 1e-6))))
        let times = (0..<repetitions).map { _ in trainingStep() }
        let median = times.sorted()[times.count / 2]
        return StepBenchmarkResult(
            spec: spec, ceilings: ceilings, stepSeconds: times, medianSeconds: median, samplesPerSecond: Double(spec.batch) / median,
            synapseStepsPerSecond: Double(spec.batch * spec.steps * spec.hidden * shape.presynapticCount) / median,
            residentBeforeBytes: residentBefore, peakResidentBytes: ResourceUsage.peakResidentBytes(), memory: estimator.memory)
    }
}

/// The forward pass alone (with the local linearisation J, g, ψ both gradient methods use)
/// behind the estimator interface; the gradient stays zero. The floor under e-prop and BPTT.
private final class ForwardOnly<Model: NeuronModel>: GradientEstimator {
    typealias Real = Float
    let model: Model
    let shape: NetworkShape
    let readout: ReadoutOptions
    var methodName: String { "forward" }
    var memory = MemoryAccount()

    init(model: Model, shape: NetworkShape, readout: ReadoutOptions) {
        self.model = model
        self.shape = shape
        self.readout = readout
    }

    func evaluate(_ batch: SpikeBatch, parameters: NetworkParameters<Float>) -> BatchStatistics {
        evaluateBatch(batch, parameters: parameters, model: model, readout: readout)
    }

    func accumulateGradient(of batch: SpikeBatch, parameters: NetworkParameters<Float>, into gradient: inout [Float]) -> BatchStatistics {
        evaluate(batch, parameters: parameters)
    }
}
