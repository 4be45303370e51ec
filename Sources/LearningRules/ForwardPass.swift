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
/// Memory: O(B·(H·(k + P) + C)), independent of T.
public struct ForwardPass<Model: NeuronModel, F: RealScalar> {
    public let model: Model
    public let shape: NetworkShape
    public let readout: ReadoutOptions
    public let batchSize: Int

    /// s^t per (b, j).
    public var states: [SIMD4<F>]
    /// Linearisation of step t per (b, j): J, g, ψ, z^t.
    public var local: [LocalLinearization<F>]
    /// Dense presynaptic vector p^t per sample (B×P, entries 0 or 1).
    public var presynaptic: [F]
    /// The active entries of p^t per sample (B×P capacity) and their counts.
    public var activeIndices: [Int32]
    public var activeCounts: [Int]
    /// y^t per (b, c), and Σ_t y^t.
    public var output: [F]
    public var summedOutput: [F]
    /// softmax(y^t) − onehot per (b, c) for the per-step loss (zero otherwise).
    public var outputError: [F]
    public var loss: [Double]
    public var spikeTotal: Double = 0

    public init(model: Model, shape: NetworkShape, readout: ReadoutOptions, batchSize: Int) {
        self.model = model
        self.shape = shape
        self.readout = readout
        self.batchSize = batchSize
        let BH = batchSize * shape.hidden, BC = batchSize * shape.classes, BP = batchSize * shape.presynapticCount
        states = .init(repeating: .zero, count: BH)
        local = .init(repeating: LocalLinearization(state: .zero, row0: .zero, row1: .zero, row2: .zero, spikeSensitivity: .zero, spike: 0), count: BH)
        presynaptic = .init(repeating: 0, count: BP)
        activeIndices = .init(repeating: 0, count: BP)
        activeCounts = .init(repeating: 0, count: batchSize)
        output = .init(repeating: 0, count: BC)
        summedOutput = .init(repeating: 0, count: BC)
        outputError = .init(repeating: 0, count: BC)
        loss = .init(repeating: 0, count: batchSize)
    }

    /// Bytes of the per-batch state (all independent of T).
    public var stateBytes: Int {
        let f = MemoryLayout<F>.stride
        return states.count * MemoryLayout<SIMD4<F>>.stride + local.count * MemoryLayout<LocalLinearization<F>>.stride
            + (presynaptic.count + output.count + summedOutput.count + outputError.count) * f
            + activeIndices.count * 4 + (activeCounts.count + loss.count) * 8
    }

    /// Runs step t of every sample of `batch` with `weights` (the flat parameter buffer).
    @inlinable
    public mutating func advance(to t: Int, batch: SpikeBatch, weights: UnsafeBufferPointer<F>) {
        let H = shape.hidden, P = shape.presynapticCount, C = shape.classes
        let kappa = F(readout.leak)
        let readoutWeights = weights.baseAddress! + shape.readoutWeightsRange.lowerBound
        let readoutBias = weights.baseAddress! + shape.readoutBiasRange.lowerBound
        for b in 0..<batchSize {
            let pre = b * P
            // p^t: clear p^{t−1}'s entries, then set x^t, z^{t−1} and the bias.
            for n in 0..<activeCounts[b] { presynaptic[pre + Int(activeIndices[pre + n])] = 0 }
            var count = 0
            for c in batch.samples[b].active(at: t) {
                activeIndices[pre + count] = c
                count += 1
            }
            if shape.recurrent {
                for l in 0..<H where local[b * H + l].spike != 0 {
                    activeIndices[pre + count] = Int32(shape.recurrentOffset + l)
                    count += 1
                }
            }
            if shape.bias {
                activeIndices[pre + count] = Int32(shape.biasOffset)
                count += 1
            }
            activeCounts[b] = count
            for n in 0..<count { presynaptic[pre + Int(activeIndices[pre + n])] = 1 }

            // Neurons: I = W p (event-driven over the active entries), then one AD step each.
            var spikes = 0.0
            for j in 0..<H {
                let row = weights.baseAddress! + j * P
                var current: F = 0
                for n in 0..<count { current += row[Int(activeIndices[pre + n])] }
                let l = model.linearize(state: states[b * H + j], current: current)
                states[b * H + j] = l.state
                local[b * H + j] = l
                spikes += Double(l.spike)
            }
            spikeTotal += spikes

            // Readout y^t = κ y^{t−1} + W_out z^t + b_out.
            for c in 0..<C {
                var y = kappa * output[b * C + c] + readoutBias[c]
                let w = readoutWeights + c * H
                for j in 0..<H where local[b * H + j].spike != 0 { y += w[j] }
                output[b * C + c] = y
                summedOutput[b * C + c] += y
            }
            if readout.loss == .perStep {
                loss[b] += output.withUnsafeBufferPointer { y in
                    outputError.withUnsafeMutableBufferPointer { e in
                        softmaxCrossEntropy(logits: y.baseAddress! + b * C, label: batch.labels[b], classes: C, error: e.baseAddress! + b * C)
                    }
                }
            }
        }
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
