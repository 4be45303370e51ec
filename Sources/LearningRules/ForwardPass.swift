import NeuronModels
import RealNumerics
import SpikeData

/// Statistics of one batch, summed over its samples.
public struct BatchStatistics: Sendable, Equatable {
    /// Σ over samples of the loss E.
    public var loss: Double = 0
    /// Samples whose time-summed readout's argmax is the label.
    public var correct: Int = 0
    public var samples: Int = 0
    /// Σ over samples of the hidden spikes emitted.
    public var spikes: Double = 0
    /// Per-sample predicted class, in batch order.
    public var predictions: [Int] = []

    public init() {}

    public static func += (l: inout BatchStatistics, r: BatchStatistics) {
        l.loss += r.loss
        l.correct += r.correct
        l.samples += r.samples
        l.spikes += r.spikes
        l.predictions += r.predictions
    }
}

/// The forward dynamics of the network over one batch, one step at a time, shared by online
/// e-prop and the BPTT reference so both differentiate the very same computation.
///
/// Each `advance(to:)` computes, for every sample b and neuron j, the input current from the
/// sparse presynaptic activity, the neuron step with its local derivatives (`linearize`), the
/// readout, and for the per-step loss the output error softmax(y^t) − onehot(label).
///
/// Event-driven: the input current I^t = W p^t adds, for each active presynaptic entry p, the
/// contiguous row p of Wᵀ to all H currents at once (O(H·nnz(p^t)) vector work), and the
/// readout adds the columns of W_out of the neurons that spiked (O(C·nnz(z^t))). Sums run in
/// the order of the active entries, so results do not depend on the vector width. Neurons
/// are linearised eight at a time (`DualLanes`) into rows over j (`linearization`), which
/// the e-prop engine copies as they are; `local` assembles per-neuron records from them.
///
/// Memory: O(B·(H·(k² + 2k + 1 + P) + C) + H·P), independent of T.
public struct ForwardPass<Model: NeuronModel, F: RealScalar> {
    public let model: Model
    public let shape: NetworkShape
    public let readout: ReadoutOptions
    public let batchSize: Int

    /// Where each quantity of a step's linearisation lives in `linearization`.
    public let layout: LinearizationLayout
    /// Step t's s^t, J, g, ψ and z^t of every (b, j), as rows over j (see `layout`).
    public var linearization: [F]
    /// The active entries of p^t per sample (B×P capacity, ascending within x^t, z^{t−1} and
    /// the bias) and their counts.
    public var activeIndices: [Int32]
    public var activeCounts: [Int]
    /// The neurons that spiked at step t per sample (B×H capacity, ascending) and their counts.
    public var spikingIndices: [Int32]
    public var spikingCounts: [Int]
    /// Wᵀ (P×H), copied from the parameters by `load(weights:)`.
    @usableFromInline var transposedWeights: [F]
    /// I^t of one sample (H, padded to the row stride).
    @usableFromInline var currents: [F]
    /// y^t per (b, c), and Σ_t y^t.
    public var output: [F]
    public var summedOutput: [F]
    /// softmax(y^t) − onehot per (b, c) for the per-step loss (zero otherwise).
    public var outputError: [F]
    public var loss: [Double]
    public var spikeTotal: Double = 0

    @inlinable
    public init(model: Model, shape: NetworkShape, readout: ReadoutOptions, batchSize: Int) {
        self.model = model
        self.shape = shape
        self.readout = readout
        self.batchSize = batchSize
        let BH = batchSize * shape.hidden, BC = batchSize * shape.classes, BP = batchSize * shape.presynapticCount
        layout = LinearizationLayout(stateCount: Model.stateCount, hidden: shape.hidden)
        linearization = .init(repeating: 0, count: batchSize * layout.quantityCount * layout.stride)
        activeIndices = .init(repeating: 0, count: BP)
        activeCounts = .init(repeating: 0, count: batchSize)
        spikingIndices = .init(repeating: 0, count: BH)
        spikingCounts = .init(repeating: 0, count: batchSize)
        transposedWeights = .init(repeating: 0, count: shape.hidden * shape.presynapticCount)
        currents = .init(repeating: 0, count: layout.stride)
        output = .init(repeating: 0, count: BC)
        summedOutput = .init(repeating: 0, count: BC)
        outputError = .init(repeating: 0, count: BC)
        loss = .init(repeating: 0, count: batchSize)
    }

    /// Bytes of the per-batch state (all independent of T).
    public var stateBytes: Int {
        let f = MemoryLayout<F>.stride
        return (linearization.count + transposedWeights.count + currents.count + output.count + summedOutput.count + outputError.count) * f
            + (activeIndices.count + spikingIndices.count) * 4 + (activeCounts.count + spikingCounts.count + loss.count) * 8
    }

    /// Step t's linearisation per (b, j) as records (J, g, ψ, z^t; lanes ≥ k zero),
    /// assembled from `linearization`.
    @inlinable
    public var local: [LocalLinearization<F>] {
        let H = shape.hidden, k = layout.stateCount, layout = self.layout, count = batchSize * H
        return linearization.withUnsafeBufferPointer { lin in
            [LocalLinearization<F>](unsafeUninitializedCapacity: count) { out, initialized in
                for b in 0..<batchSize {
                    let rows = lin.baseAddress! + layout.offset(sample: b, quantity: 0)
                    for j in 0..<H {
                        func value(_ q: Int) -> F { rows[q * layout.stride + j] }
                        var state = SIMD4<F>.zero, psi = SIMD4<F>.zero
                        var jacobian = (SIMD4<F>.zero, SIMD4<F>.zero, SIMD4<F>.zero)
                        for r in 0..<k {
                            var row = SIMD4<F>.zero
                            for c in 0..<k { row[c] = value(layout.jacobian(r, c)) }
                            row[3] = value(layout.gain(r))
                            switch r {
                            case 0: jacobian.0 = row
                            case 1: jacobian.1 = row
                            default: jacobian.2 = row
                            }
                            state[r] = value(layout.state(r))
                            psi[r] = value(layout.spikeSensitivity(r))
                        }
                        (out.baseAddress! + b * H + j).initialize(to: LocalLinearization(
                            state: state, row0: jacobian.0, row1: jacobian.1, row2: jacobian.2, spikeSensitivity: psi, spike: value(layout.spike)))
                    }
                }
                initialized = count
            }
        }
    }

    /// Runs step t of every sample of `batch` with `weights` (the flat parameter buffer).
    /// Steps run in order from t = 0, and `weights` must not change during the batch: W is
    /// read (`load(weights:)`) at t = 0.
    @inlinable
    public mutating func advance(to t: Int, batch: SpikeBatch, weights: UnsafeBufferPointer<F>) {
        if t == 0 { load(weights: weights) }
        for b in 0..<batchSize { advance(sample: b, to: t, batch: batch, weights: weights) }
    }

    /// Copies Wᵀ for the event-driven input current: before the first step of a batch.
    @inlinable
    public mutating func load(weights: UnsafeBufferPointer<F>) {
        let H = shape.hidden, P = shape.presynapticCount
        let W = weights.baseAddress!
        transposedWeights.withUnsafeMutableBufferPointer { wt in
            // In 16×16 tiles, so both sides stay in cache lines.
            for j0 in stride(from: 0, to: H, by: 16) {
                for p0 in stride(from: 0, to: P, by: 16) {
                    for j in j0..<min(j0 + 16, H) {
                        for p in p0..<min(p0 + 16, P) { wt[p * H + j] = W[j * P + p] }
                    }
                }
            }
        }
    }

    /// Runs step t of sample b alone, after `load(weights:)` with the same `weights`.
    /// Samples are independent: each sample's steps run in order from t = 0, and samples may
    /// interleave in any way (e-prop runs a block of steps of one sample at a time).
    @inlinable
    public mutating func advance(sample b: Int, to t: Int, batch: SpikeBatch, weights: UnsafeBufferPointer<F>) {
        let H = shape.hidden, P = shape.presynapticCount, C = shape.classes
        let kappa = F(readout.leak)
        let W = weights.baseAddress!
        let readoutWeights = W + shape.readoutWeightsRange.lowerBound
        let readoutBias = W + shape.readoutBiasRange.lowerBound
        let pre = b * P
        // p^t: x^t, z^{t−1} (the neurons that spiked at t − 1) and the bias.
        let sample = batch.samples[b], shape = self.shape, fired = shape.recurrent ? spikingCounts[b] : 0
        let count = activeIndices.withUnsafeMutableBufferPointer { active in
            spikingIndices.withUnsafeBufferPointer { spiking in
                var count = sample.writeActive(at: t, to: active.baseAddress! + pre)
                for n in 0..<fired {
                    active[pre + count] = Int32(shape.recurrentOffset) + spiking[b * H + n]
                    count += 1
                }
                if shape.bias {
                    active[pre + count] = Int32(shape.biasOffset)
                    count += 1
                }
                return count
            }
        }
        activeCounts[b] = count

        // I = W p: one row of Wᵀ per active entry, added to all H currents, with the currents
        // held in registers over the active rows (`Row.add`; each sum in the order of the
        // active entries).
        currents.withUnsafeMutableBufferPointer { current in
            transposedWeights.withUnsafeBufferPointer { wt in
                activeIndices.withUnsafeBufferPointer { active in
                    Row.clear(current.baseAddress!, H)
                    Row.add(current.baseAddress!, rows: wt.baseAddress!, stride: H, selected: active.baseAddress! + pre, 0..<count, H)
                }
            }
        }
        // The AD step of eight neurons at a time, stored as rows, with exactly the model's k
        // state directions (a type, so the others cost nothing); collect the spikes.
        let spiking: Int
        switch layout.stateCount {
        case 1: spiking = linearizeLanes(sample: b, directions: OneStateDirection.self)
        case 2: spiking = linearizeLanes(sample: b, directions: TwoStateDirections.self)
        default: spiking = linearizeLanes(sample: b, directions: ThreeStateDirections.self)
        }
        spikingCounts[b] = spiking
        spikeTotal += Double(spiking)

        // Readout y^t = κ y^{t−1} + W_out z^t + b_out.
        output.withUnsafeMutableBufferPointer { output in
            summedOutput.withUnsafeMutableBufferPointer { summedOutput in
                spikingIndices.withUnsafeBufferPointer { fired in
                    for c in 0..<C {
                        var y = kappa * output[b * C + c] + readoutBias[c]
                        let w = readoutWeights + c * H
                        for n in 0..<spiking { y += w[Int(fired[b * H + n])] }
                        output[b * C + c] = y
                        summedOutput[b * C + c] += y
                    }
                }
            }
        }
        if readout.loss == .perStep {
            loss[b] += output.withUnsafeBufferPointer { y in
                outputError.withUnsafeMutableBufferPointer { e in
                    softmaxCrossEntropy(logits: y.baseAddress! + b * C, label: batch.labels[b], classes: C, error: e.baseAddress! + b * C)
                }
            }
        }
    }

    /// Linearises sample b's neurons eight at a time from `currents` and the state rows of
    /// the previous step, writing the linearisation rows and the neurons that spiked; returns
    /// their number. `States.count` is the model's k.
    @inlinable @inline(__always)
    mutating func linearizeLanes<States: StateDirections>(sample b: Int, directions: States.Type) -> Int {
        let H = shape.hidden, model = self.model, layout = self.layout, k = States.count, stride = layout.stride
        var spiking = 0
        linearization.withUnsafeMutableBufferPointer { lin in
            spikingIndices.withUnsafeMutableBufferPointer { fired in
                currents.withUnsafeBufferPointer { current in
                    let rows = lin.baseAddress! + layout.offset(sample: b, quantity: 0)
                    func row(_ q: Int, _ start: Int) -> UnsafeMutableRawPointer { UnsafeMutableRawPointer(rows + q * stride + start) }
                    for start in Swift.stride(from: 0, to: H, by: 8) {
                        func state(_ r: Int) -> SIMD8<F> { r < k ? row(layout.state(r), start).loadUnaligned(as: SIMD8<F>.self) : .zero }
                        let input = UnsafeRawPointer(current.baseAddress! + start).loadUnaligned(as: SIMD8<F>.self)
                        let (next, z) = model.linearize(lanes: (state(0), state(1), state(2)), current: input, directions: States.self)
                        for r in 0..<k {
                            let s = next[r]
                            row(layout.state(r), start).storeBytes(of: s.values, as: SIMD8<F>.self)
                            for c in 0..<k { row(layout.jacobian(r, c), start).storeBytes(of: s.derivative(c), as: SIMD8<F>.self) }
                            row(layout.gain(r), start).storeBytes(of: s.derivative(3), as: SIMD8<F>.self)
                            row(layout.spikeSensitivity(r), start).storeBytes(of: z.derivative(r), as: SIMD8<F>.self)
                        }
                        row(layout.spike, start).storeBytes(of: z.values, as: SIMD8<F>.self)
                        for i in 0..<8 where start + i < H && z.values[i] != 0 {
                            fired[b * H + spiking] = Int32(start + i)
                            spiking += 1
                        }
                    }
                }
            }
        }
        return spiking
    }

    /// After the last step: the loss of the summed readout (setting `outputError` to its
    /// error, the same for every step) if that is the loss, and the batch statistics.
    @inlinable
    public mutating func finish(batch: SpikeBatch) -> BatchStatistics {
        let C = shape.classes
        var stats = BatchStatistics()
        for b in 0..<batchSize {
            if readout.loss == .summedReadout {
                loss[b] = summedOutput.withUnsafeBufferPointer { y in
                    outputError.withUnsafeMutableBufferPointer { e in
                        softmaxCrossEntropy(logits: y.baseAddress! + b * C, label: batch.labels[b], classes: C, error: e.baseAddress! + b * C)
                    }
                }
            }
            let predicted = summedOutput.withUnsafeBufferPointer { argmax($0.baseAddress! + b * C, count: C) }
            stats.predictions.append(predicted)
            if predicted == batch.labels[b] { stats.correct += 1 }
            stats.loss += loss[b]
        }
        stats.samples = batchSize
        stats.spikes = spikeTotal
        return stats
    }
}

/// Where the quantities of one step's linearisation live: per sample b, one row of `stride`
/// floats (H rounded up to a multiple of 8, so eight-neuron lanes never straddle rows) for
/// each quantity, in the order s_r (k) | J_rc (k², row-major) | g_r (k) | ψ_r (k) | z (1).
public struct LinearizationLayout: Sendable, Equatable {
    /// k.
    public let stateCount: Int
    public let hidden: Int
    public let stride: Int

    @inlinable
    public init(stateCount: Int, hidden: Int) {
        self.stateCount = stateCount
        self.hidden = hidden
        stride = (hidden + 7) / 8 * 8
    }

    @inlinable public var quantityCount: Int { stateCount * stateCount + 3 * stateCount + 1 }
    @inlinable public func state(_ r: Int) -> Int { r }
    @inlinable public func jacobian(_ r: Int, _ c: Int) -> Int { stateCount + r * stateCount + c }
    @inlinable public func gain(_ r: Int) -> Int { stateCount + stateCount * stateCount + r }
    @inlinable public func spikeSensitivity(_ r: Int) -> Int { 2 * stateCount + stateCount * stateCount + r }
    @inlinable public var spike: Int { 3 * stateCount + stateCount * stateCount }
    /// The offset of quantity q's row of sample b.
    @inlinable public func offset(sample b: Int, quantity q: Int) -> Int { (b * quantityCount + q) * stride }
}
