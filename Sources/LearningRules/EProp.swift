import NeuronModels
import RealNumerics
import SpikeData

/// How `EProp` schedules its work; the schedule changes speed and memory, never the result
/// (beyond float rounding).
public struct EPropSchedule: Sendable, Equatable, Hashable {
    /// τ, the steps per block: one sample's forward pass over the block runs first, recording
    /// its neuron-level J, g, ψ (τ·H·(k² + 2k) floats), output errors, active presynaptic
    /// entries and spikes (τ·(C + P + H)); then that sample's block is swept. The eligibility
    /// traces are read and written once per block boundary, so their memory traffic falls as
    /// 1/τ while the record grows with τ; neither depends on T.
    ///
    /// The default, 128, makes the record of the SHD-sized ALIF network (H = 256, P = 701)
    /// 1.5 MB, about the L2 cache, and sequences of up to 128 steps need no trace pass at all.
    public var blockLength: Int
    /// Take the factorised path when the model's J and g are constants (`constantJacobian`);
    /// false forces the general path (tests compare the two). The engine, not the user,
    /// decides whether the factorised path applies.
    public var allowsFactorisation: Bool

    public static let defaultBlockLength = 128

    public init(blockLength: Int = EPropSchedule.defaultBlockLength, allowsFactorisation: Bool = true) {
        precondition(blockLength > 0, "the e-prop block length must be positive")
        self.blockLength = blockLength
        self.allowsFactorisation = allowsFactorisation
    }
}

/// Online e-prop (Bellec et al. 2020) with sparse, automatically derived eligibility traces.
///
/// For every sample b, hidden neuron j and presynaptic entry p (input, recurrent spike or
/// bias; see `NetworkShape`):
///
///     ε_jp^t = J_j^t ε_jp^{t−1} + g_j^t p_p^t          (k numbers: the eligibility vector)
///     e_jp^t = ψ_j^t · ε_jp^t                          (eligibility trace)
///     ē_jp^t = κ ē_jp^{t−1} + e_jp^t                   (filtered by the readout leak κ)
///     L_j^t  = Σ_c B_jc (softmax(y^t) − onehot)_c      (learning signal)
///     ∂E/∂W_jp += L_j^t ē_jp^t
///
/// with J, g, ψ from the neuron model by forward-mode AD (`NeuronModel.linearize`). Because
/// J is per neuron (block-diagonal), ε is B×P×k×H numbers updated element-wise: no H×H×P
/// Jacobian ever exists. For the summed-readout loss the error is known only at the end:
/// Σ_t ē^t is accumulated and multiplied by the final learning signal.
///
/// Schedule (see `EPropWorkspace.sweep` for the algebra): time runs in blocks of τ steps,
/// and within a block one sample at a time (samples are independent). The forward pass of
/// the sample's block (which never depends on traces) records the neuron-level J, g, ψ, the
/// output errors and the active presynaptic entries; then a backward pass over those
/// neuron-level quantities turns the online recursion into one read and write of each of
/// the sample's eligibility rows per block plus event-driven updates for the active
/// (binary) entries. The result is the online recursion's, reordered; memory stays
/// independent of T.
///
/// Factorised path: when the model's J and g are the same constants for every state and
/// current (`NeuronModel.constantJacobian`, decided by abstract interpretation of the model's
/// step, e.g. LIF or ALIF with `detach_reset: 1`), ε_jp = ε_p is shared by all neurons j of a
/// sample and the traces shrink from B·P·k·H to B·P·k numbers.
///
/// Exactness: with no explicit recurrence and symmetric feedback (B = W_outᵀ), the result
/// equals the BPTT gradient up to float rounding; with recurrence it drops the paths through
/// other neurons' spikes (z^{t−1} is a presynaptic entry like any input).
///
/// Memory: traces B·P·(k·H + H·[κ > 0] + H·[summed loss]) floats (B·P·k + … factorised), the
/// record of one sample's block τ·(H·(k² + 2k) + C + P + H): independent of T. Work per
/// batch: O(B·T·(H·(k² + C) + H·k·nnz(p))) plus O(B·H·P·k²) per block boundary.
public final class EProp<Model: NeuronModel, F: RealScalar>: GradientEstimator {
    public typealias Real = F
    public let model: Model
    public let shape: NetworkShape
    public let readout: ReadoutOptions
    public let schedule: EPropSchedule
    /// B (H×C) for random feedback; nil for symmetric feedback (B = W_outᵀ).
    public let randomFeedback: [F]?
    /// The model's constant J and g when the engine takes the factorised path, else nil.
    public let constantJacobian: (jacobian: [F], inputGain: [F])?
    public var methodName: String { "eprop" }
    /// Whether ε is shared by all neurons (the factorised path).
    public var isFactorised: Bool { constantJacobian != nil }
    @usableFromInline var recordedMemory = MemoryAccount()
    public var memory: MemoryAccount { recordedMemory }
    /// Reused while the batch size stays the same.
    @usableFromInline var workspace: EPropWorkspace<F>?

    /// `feedbackSeed` draws the random feedback matrix when `readout.feedback == .random`.
    public init(model: Model, shape: NetworkShape, readout: ReadoutOptions, feedbackSeed: UInt64 = 0, schedule: EPropSchedule = EPropSchedule()) {
        self.model = model
        self.shape = shape
        self.readout = readout
        self.schedule = schedule
        if readout.feedback == .random {
            var rng = Xoshiro256(seed: feedbackSeed, stream: 0xFEED)
            let std = 1 / Double(shape.classes).squareRoot()
            randomFeedback = (0..<(shape.hidden * shape.classes)).map { _ in F(rng.normal() * std) }
        } else {
            randomFeedback = nil
        }
        constantJacobian = schedule.allowsFactorisation ? model.constantJacobian(F.self) : nil
    }

    @inlinable
    public func evaluate(_ batch: SpikeBatch, parameters: NetworkParameters<F>) -> BatchStatistics {
        evaluateBatch(batch, parameters: parameters, model: model, readout: readout)
    }

    @inlinable
    func workspace(batchSize: Int) -> EPropWorkspace<F> {
        if let workspace, workspace.batchSize == batchSize { return workspace }
        workspace = nil
        let created = EPropWorkspace<F>(shape: shape, stateCount: Model.stateCount, batchSize: batchSize, blockLength: schedule.blockLength,
                                        readout: readout, constant: constantJacobian)
        workspace = created
        return created
    }

    /// Sample b's block of n steps from `start`: its forward steps, each recorded, then its
    /// sweep. `filteredOne` is the readout-filtered constant 1 before the block.
    @inlinable
    func runBlock(sample b: Int, start: Int, steps n: Int, of batch: SpikeBatch, forward: inout ForwardPass<Model, F>,
                  workspace ws: EPropWorkspace<F>, weights w: UnsafeBufferPointer<F>, filteredOne: F, gradient g: UnsafeMutablePointer<F>) {
        let C = shape.classes, kappa = F(readout.leak)
        let last = start + n == (batch.samples.first?.steps ?? 0)
        let gOut = g + shape.readoutWeightsRange.lowerBound, gOutBias = g + shape.readoutBiasRange.lowerBound
        var one = filteredOne
        for u in 0..<n {
            forward.advance(sample: b, to: start + u, batch: batch, weights: w)
            one = kappa * one + 1
            ws.record(step: u, sample: b, of: forward, filteredOne: one, readoutBiasGradient: gOutBias)
        }
        if last && readout.loss == .summedReadout {
            forward.summedOutput.withUnsafeBufferPointer { y in
                withUnsafeTemporaryAllocation(of: F.self, capacity: C) { error in
                    _ = softmaxCrossEntropy(logits: y.baseAddress! + b * C, label: batch.labels[b], classes: C, error: error.baseAddress!)
                    ws.loadFinalSignal(error: error.baseAddress!)
                }
            }
        }
        ws.sweep(sample: b, steps: n, first: start == 0, last: last, readoutGradient: gOut)
    }

    @inlinable
    public func accumulateGradient(of batch: SpikeBatch, parameters: NetworkParameters<F>, into gradient: inout [F]) -> BatchStatistics {
        precondition(parameters.shape == shape && gradient.count == shape.parameterCount, "parameters or gradient do not match the network shape")
        precondition(batch.samples.allSatisfy { $0.channelCount == shape.inputs }, "batch channels do not match the network inputs")
        let B = batch.count, H = shape.hidden, C = shape.classes
        let steps = batch.samples.first?.steps ?? 0
        let tau = schedule.blockLength
        let kappa = F(readout.leak)
        let summed = readout.loss == .summedReadout

        let ws = workspace(batchSize: B)
        var forward = ForwardPass<Model, F>(model: model, shape: shape, readout: readout, batchSize: B)
        recordedMemory = MemoryAccount(traces: ws.traceBytes, networkState: forward.stateBytes, buffers: ws.bufferBytes)

        return parameters.values.withUnsafeBufferPointer { w -> BatchStatistics in
            let readoutWeights = w.baseAddress! + shape.readoutWeightsRange.lowerBound
            ws.beginBatch { [randomFeedback] j, c in randomFeedback?[j * C + c] ?? readoutWeights[c * H + j] }
            forward.load(weights: w)
            return gradient.withUnsafeMutableBufferPointer { g -> BatchStatistics in
                let gOut = g.baseAddress! + shape.readoutWeightsRange.lowerBound
                let gOutBias = g.baseAddress! + shape.readoutBiasRange.lowerBound
                // The readout-filtered constant 1 (for b_out) before the block, and its time sum.
                var filteredOne: F = 0, filteredOneSum: F = 0
                var start = 0
                repeat {
                    let n = min(tau, steps - start)
                    // One sample at a time: its block's forward pass, then its sweep.
                    for b in 0..<B {
                        runBlock(sample: b, start: start, steps: n, of: batch, forward: &forward, workspace: ws, weights: w,
                                 filteredOne: filteredOne, gradient: g.baseAddress!)
                    }
                    for _ in 0..<n {
                        filteredOne = kappa * filteredOne + 1
                        filteredOneSum += filteredOne
                    }
                    start += n
                } while start < steps
                let stats = forward.finish(batch: batch)
                if summed {
                    forward.outputError.withUnsafeBufferPointer { e in
                        ws.finishSummedReadout(error: e.baseAddress!, filteredOneSum: filteredOneSum, readoutGradient: gOut, readoutBiasGradient: gOutBias)
                    }
                }
                ws.addGradient(into: g.baseAddress!)
                return stats
            }
        }
    }
}
