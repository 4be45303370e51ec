import NeuronModels
import RealNumerics

/// The state and scratch of blocked e-prop for one batch size, allocated once and reused
/// across batches (no per-batch page faults), and the two kernels that work on it: recording
/// one forward step of one sample into the block record, and sweeping the sample's block
/// (neuron-level backward pass, then one pass over the sample's eligibility rows). Samples are
/// independent, so a block is run and swept one sample at a time: the record holds one
/// sample and stays in the L2 cache between the forward pass and the sweep.
///
/// Layouts (all rows are over the postsynaptic index j, contiguous, so every row operation
/// is a unit-stride 8-wide vector loop; rows of neuron-level quantities are `width` = H
/// rounded up to a multiple of 8 long, the traces' H; "W" is the eligibility lane width, H
/// per neuron or 1 when shared):
/// - block record of the current sample, per step u < τ: `components` rows (H floats,
///   `width` apart) [J_lm (k², general path only) | g_l (k, general only) | ψ_l (k)],
///   copied as they are from the forward pass's rows; the output error err^u (C, per-step
///   loss only); the active presynaptic entries (≤ P) and the neurons that spiked (≤ H);
/// - eligibility ε: per (b, p), k lanes of W floats, interleaved by eight neurons
///   (`Row.interleave`); filtered trace ē (κ > 0) and the summed-readout trace sum S: per
///   (b, p), H floats;
/// - the hidden-weight gradient is accumulated transposed, P×H, and added to the H×P
///   gradient once per batch.
///
/// Memory (floats): traces B·P·(k·W + H·[κ > 0] + H·[summed loss]); record
/// τ·(H·components + C) and τ·(P + H) Int32; scratch O(τ·(k + 2)·H + P·H + B·H). None
/// depends on T.
@usableFromInline
final class EPropWorkspace<F: RealScalar> {
    @usableFromInline let batchSize: Int
    @usableFromInline let hidden: Int
    @usableFromInline let presynaptic: Int
    @usableFromInline let classes: Int
    @usableFromInline let stateCount: Int
    @usableFromInline let blockLength: Int
    /// ε per neuron (general path) or shared by all neurons of a sample (factorised path).
    @usableFromInline let perNeuron: Bool
    @usableFromInline let kappa: F
    @usableFromInline let leaky: Bool
    @usableFromInline let summed: Bool
    /// N: floats per row over the neurons (H rounded up to a multiple of 8, the forward
    /// pass's row stride); the padding lanes never reach the gradient.
    @usableFromInline let width: Int
    /// W: floats per eligibility lane of one (b, p): H, or 1 when shared.
    @usableFromInline let laneWidth: Int
    @usableFromInline let components: Int
    @usableFromInline let psiComponent: Int

    /// The constant J (k×k, row-major) and g (k) of the factorised path.
    @usableFromInline let constantJacobian: UnsafeMutablePointer<F>
    @usableFromInline let constantGain: UnsafeMutablePointer<F>

    @usableFromInline let record: UnsafeMutablePointer<F>
    @usableFromInline let events: UnsafeMutablePointer<Int32>
    @usableFromInline let eventCounts: UnsafeMutablePointer<Int>
    @usableFromInline let spikes: UnsafeMutablePointer<Int32>
    @usableFromInline let spikeCounts: UnsafeMutablePointer<Int>
    @usableFromInline let outputErrors: UnsafeMutablePointer<F>
    @usableFromInline let eligibility: UnsafeMutablePointer<F>
    @usableFromInline let filtered: UnsafeMutablePointer<F>
    @usableFromInline let summedTraces: UnsafeMutablePointer<F>
    @usableFromInline let gradientT: UnsafeMutablePointer<F>

    /// Per-sample sweep scratch: a^u (τ·H), γ^u (τ·k·W), ã^u (τ·H), λ (H), σ and σ̃ (k·H
    /// each), M (k²·W), a product buffer (k²·H), ȳ (C), and the events bucketed by p.
    @usableFromInline let adjointInput: UnsafeMutablePointer<F>
    @usableFromInline let traceInput: UnsafeMutablePointer<F>
    @usableFromInline let filteredInput: UnsafeMutablePointer<F>
    @usableFromInline let signal: UnsafeMutablePointer<F>
    @usableFromInline let adjoint: UnsafeMutablePointer<F>
    @usableFromInline let filteredAdjoint: UnsafeMutablePointer<F>
    @usableFromInline let propagator: UnsafeMutablePointer<F>
    @usableFromInline let product: UnsafeMutablePointer<F>
    @usableFromInline let filteredError: UnsafeMutablePointer<F>
    @usableFromInline let bucketStart: UnsafeMutablePointer<Int32>
    @usableFromInline let bucketCursor: UnsafeMutablePointer<Int32>
    @usableFromInline let bucketSteps: UnsafeMutablePointer<Int32>

    /// z̄ (B·H) and the current sample's before the block (H, per-step loss with κ > 0),
    /// Σ_t z̄ (B·H, summed loss), the current sample's learning signal of the summed loss (H),
    /// and the feedback matrix transposed, C×H.
    @usableFromInline let filteredSpikes: UnsafeMutablePointer<F>
    @usableFromInline let blockStartSpikes: UnsafeMutablePointer<F>
    @usableFromInline let filteredSpikeSum: UnsafeMutablePointer<F>
    @usableFromInline let finalSignal: UnsafeMutablePointer<F>
    @usableFromInline let feedback: UnsafeMutablePointer<F>

    /// Bytes of ε, ē and S.
    @usableFromInline let traceBytes: Int
    /// Bytes of everything else.
    @usableFromInline let bufferBytes: Int

    @inlinable
    init(shape: NetworkShape, stateCount k: Int, batchSize B: Int, blockLength tau: Int, readout: ReadoutOptions,
         constant: (jacobian: [F], inputGain: [F])?) {
        let H = shape.hidden, P = shape.presynapticCount, C = shape.classes
        batchSize = B
        hidden = H
        presynaptic = P
        classes = C
        stateCount = k
        blockLength = tau
        perNeuron = constant == nil
        kappa = F(readout.leak)
        leaky = readout.leak > 0
        summed = readout.loss == .summedReadout
        width = LinearizationLayout(stateCount: k, hidden: H).stride
        let N = width
        laneWidth = perNeuron ? H : 1
        psiComponent = perNeuron ? k * k + k : 0
        components = psiComponent + k

        // Every buffer is zero-filled once here, so all of it is resident from the first batch
        // on: the process's memory does not depend on how much of the record a batch uses.
        var bytes = 0
        func buffer<T: Numeric>(_ count: Int, of _: T.Type = T.self) -> UnsafeMutablePointer<T> {
            bytes += count * MemoryLayout<T>.stride
            let buffer = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
            buffer.initialize(repeating: 0, count: max(count, 1))
            return buffer
        }
        eligibility = buffer(B * P * k * laneWidth)
        filtered = buffer(leaky ? B * P * H : 0)
        summedTraces = buffer(summed ? B * P * H : 0)
        traceBytes = bytes
        constantJacobian = buffer(k * k)
        constantGain = buffer(k)
        if let constant {
            constantJacobian.update(from: constant.jacobian, count: k * k)
            constantGain.update(from: constant.inputGain, count: k)
        }
        record = buffer(tau * components * N)
        events = buffer(tau * P)
        eventCounts = buffer(tau)
        spikes = buffer(tau * H)
        spikeCounts = buffer(tau)
        outputErrors = buffer(summed ? 0 : tau * C)
        gradientT = buffer(P * N)
        adjointInput = buffer(tau * N)
        traceInput = buffer(tau * k * laneWidth)
        filteredInput = buffer(leaky ? tau * N : 0)
        signal = buffer(N)
        adjoint = buffer(k * N)
        filteredAdjoint = buffer(k * N)
        propagator = buffer(k * k * laneWidth)
        product = buffer(k * k * N)
        filteredError = buffer(C)
        bucketStart = buffer(P + 1)
        bucketCursor = buffer(P)
        bucketSteps = buffer(tau * P)
        filteredSpikes = buffer(B * N)
        blockStartSpikes = buffer(leaky && !summed ? N : 0)
        filteredSpikeSum = buffer(summed ? B * N : 0)
        finalSignal = buffer(summed ? N : 0)
        feedback = buffer(C * N)
        bufferBytes = bytes - traceBytes
    }

    deinit {
        for buffer in [constantJacobian, constantGain, record, outputErrors, eligibility, filtered, summedTraces, gradientT, adjointInput,
                       traceInput, filteredInput, signal, adjoint, filteredAdjoint, propagator, product, filteredError, filteredSpikes,
                       blockStartSpikes, filteredSpikeSum, finalSignal, feedback] {
            buffer.deallocate()
        }
        for buffer in [events, spikes, bucketStart, bucketCursor, bucketSteps] { buffer.deallocate() }
        eventCounts.deallocate()
        spikeCounts.deallocate()
    }

    /// Clears the per-batch accumulators and loads the feedback matrix B (H×C) as C×H:
    /// `feedback(j, c)` is B_jc.
    @inlinable
    func beginBatch(feedback entry: (Int, Int) -> F) {
        let H = hidden, N = width
        Row.clear(gradientT, presynaptic * N)
        Row.clear(filteredSpikes, batchSize * N)
        if summed { Row.clear(filteredSpikeSum, batchSize * N) }
        for c in 0..<classes {
            for j in 0..<H { feedback[c * N + j] = entry(j, c) }
        }
    }

    /// The record row of quantity `component` of step u (block-relative).
    @inlinable
    func recordRow(step u: Int, component: Int) -> UnsafeMutablePointer<F> {
        record + (u * components + component) * width
    }

    /// Stores step u of the block of sample b from the forward pass: J, g, ψ per neuron, the
    /// active presynaptic entries, the spikes, z̄ = κ z̄ + z; for the per-step loss also the
    /// output error and ∂E/∂b_out,c += err_c · (the filtered constant 1). O(H·(k² + 2k) + nnz).
    @inlinable
    func record<Model: NeuronModel>(step u: Int, sample b: Int, of forward: borrowing ForwardPass<Model, F>, filteredOne: F,
                                    readoutBiasGradient gOutBias: UnsafeMutablePointer<F>) {
        let H = hidden, N = width, P = presynaptic, C = classes
        let layout = forward.layout
        let zBar = filteredSpikes + b * N
        if u == 0 && leaky && !summed { blockStartSpikes.update(from: zBar, count: N) }
        // J, g, ψ are consecutive rows in the forward pass and in the record (ψ alone when factorised).
        let first = perNeuron ? layout.jacobian(0, 0) : layout.spikeSensitivity(0)
        forward.linearization.withUnsafeBufferPointer { lin in
            recordRow(step: u, component: 0).update(from: lin.baseAddress! + layout.offset(sample: b, quantity: first), count: components * N)
            Row.leak(zBar, kappa, plus: lin.baseAddress! + layout.offset(sample: b, quantity: layout.spike), N)
        }
        if summed { Row.add(filteredSpikeSum + b * N, zBar, N) }
        eventCounts[u] = forward.activeCounts[b]
        spikeCounts[u] = forward.spikingCounts[b]
        forward.activeIndices.withUnsafeBufferPointer { (events + u * P).update(from: $0.baseAddress! + b * P, count: eventCounts[u]) }
        forward.spikingIndices.withUnsafeBufferPointer { (spikes + u * H).update(from: $0.baseAddress! + b * H, count: spikeCounts[u]) }
        guard !summed else { return }
        forward.outputError.withUnsafeBufferPointer { error in
            (outputErrors + u * C).update(from: error.baseAddress! + b * C, count: C)
            for c in 0..<C { gOutBias[c] += error[b * C + c] * filteredOne }
        }
    }

    /// Summed-readout loss, in the last block of sample b: L_j = Σ_c B_jc err_c from the
    /// sample's final output error, for its sweep.
    @inlinable
    func loadFinalSignal(error: UnsafePointer<F>) {
        Row.combine(finalSignal, rows: feedback, stride: width, weights: error, count: classes, width)
    }

    /// Summed-readout loss, after the last step: the readout gradient from Σ_t z̄.
    @inlinable
    func finishSummedReadout(error: UnsafePointer<F>, filteredOneSum: F,
                             readoutGradient gOut: UnsafeMutablePointer<F>, readoutBiasGradient gOutBias: UnsafeMutablePointer<F>) {
        let H = hidden, N = width, C = classes
        for b in 0..<batchSize {
            for c in 0..<C {
                gOutBias[c] += error[b * C + c] * filteredOneSum
                Row.add(gOut + c * H, error[b * C + c], times: filteredSpikeSum + b * N, H)
            }
        }
    }

    /// Adds the transposed accumulator to the H×P hidden-weight gradient.
    @inlinable
    func addGradient(into g: UnsafeMutablePointer<F>) {
        let H = hidden, N = width, P = presynaptic
        for j in 0..<H {
            for p in 0..<P { g[j * P + p] += gradientT[p * N + j] }
        }
    }
}
