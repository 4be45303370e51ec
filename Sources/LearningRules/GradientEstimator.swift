import NeuronModels
import RealNumerics
import SpikeData

/// The bytes a gradient estimator holds while it processes a batch, by category: the
/// accounting the memory harness compares with measured peak RSS.
public struct MemoryAccount: Sendable, Equatable, Codable {
    /// Eligibility vectors ε (B·H·P·k floats), their readout-filtered traces and the
    /// time-summed traces of the summed-readout loss. e-prop only; independent of T.
    public var traces: Int = 0
    /// The stored trajectory (BPTT only; linear in T).
    public var trajectory: Int = 0
    /// Neuron, readout and presynaptic state of the forward pass.
    public var networkState: Int = 0
    /// Other scratch buffers.
    public var buffers: Int = 0

    public init(traces: Int = 0, trajectory: Int = 0, networkState: Int = 0, buffers: Int = 0) {
        self.traces = traces
        self.trajectory = trajectory
        self.networkState = networkState
        self.buffers = buffers
    }

    public var total: Int { traces + trajectory + networkState + buffers }
}

/// Computes the gradient of the summed loss of a batch with respect to every parameter.
///
/// Implemented by online e-prop (`EProp`) and by exact backpropagation through time
/// (`BPTT`, module BPTTReference), over the same `ForwardPass`.
public protocol GradientEstimator<Real>: AnyObject {
    associatedtype Real: RealScalar
    var shape: NetworkShape { get }
    /// A short name for reports ("eprop", "bptt").
    var methodName: String { get }

    /// Adds Σ_samples ∂E/∂θ to `gradient` (flat, in the `NetworkShape` parameter layout) and
    /// returns the batch's statistics. All samples of `batch` must have the same T and
    /// `shape.inputs` channels.
    func accumulateGradient(of batch: SpikeBatch, parameters: NetworkParameters<Real>, into gradient: inout [Real]) -> BatchStatistics

    /// Loss, accuracy and predictions without computing a gradient (inference).
    func evaluate(_ batch: SpikeBatch, parameters: NetworkParameters<Real>) -> BatchStatistics

    /// The bytes held while processing the most recent batch.
    var memory: MemoryAccount { get }
}

/// Runs the forward pass alone over a batch.
@inlinable
public func evaluateBatch<Model: NeuronModel, F: RealScalar>(_ batch: SpikeBatch, parameters: NetworkParameters<F>, model: Model, readout: ReadoutOptions) -> BatchStatistics {
    precondition(batch.samples.allSatisfy { $0.channelCount == parameters.shape.inputs }, "batch channels do not match the network inputs")
    var forward = ForwardPass<Model, F>(model: model, shape: parameters.shape, readout: readout, batchSize: batch.count)
    let steps = batch.samples.first?.steps ?? 0
    parameters.values.withUnsafeBufferPointer { w in
        for t in 0..<steps { forward.advance(to: t, batch: batch, weights: w) }
    }
    return forward.finish(batch: batch)
}
