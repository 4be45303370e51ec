import NeuronModels
import RealNumerics
import SpikeData

/// Online e-prop (Bellec et al. 2020) with sparse, automatically derived eligibility traces.
///
/// For every sample b, hidden neuron j and presynaptic entry p (input, recurrent spike or
/// bias; see `NetworkShape`), step by step:
///
///     ε_jp^t = J_j^t ε_jp^{t−1} + g_j^t p_p^t          (k numbers: the eligibility vector)
///     e_jp^t = ψ_j^t · ε_jp^t                          (eligibility trace)
///     ē_jp^t = κ ē_jp^{t−1} + e_jp^t                   (filtered by the readout leak κ)
///     L_j^t  = Σ_c B_jc (softmax(y^t) − onehot)_c      (learning signal)
///     ∂E/∂W_jp += L_j^t ē_jp^t
///
/// with J, g, ψ from the neuron model by forward-mode AD (`NeuronModel.linearize`). Because
/// J is per neuron (block-diagonal), ε is stored as B×H×k×P numbers and updated element-wise:
/// no H×H×P Jacobian ever exists. For the summed-readout loss the error is known only at the
/// end, so Σ_t ē^t is accumulated and multiplied by the final learning signal.
///
/// Exactness: with no explicit recurrence and symmetric feedback (B = W_outᵀ), the result
/// equals the BPTT gradient up to float rounding; with recurrence it drops the paths through
/// other neurons' spikes.
///
/// Memory: B·H·P·k floats of traces (+ B·H·P for κ > 0, + B·H·P for the summed-readout loss),
/// independent of T. Work per step: O(B·H·P·k²).
public final class EProp<Model: NeuronModel, F: RealScalar>: GradientEstimator {
    public typealias Real = F
    public let model: Model
    public let shape: NetworkShape
    public let readout: ReadoutOptions
    /// B (H×C) for random feedback; nil for symmetric feedback (B = W_outᵀ).
    public let randomFeedback: [F]?
    public var methodName: String { "eprop" }
    @usableFromInline var recordedMemory = MemoryAccount()
    public var memory: MemoryAccount { recordedMemory }

    /// `feedbackSeed` draws the random feedback matrix when `readout.feedback == .random`.
    public init(model: Model, shape: NetworkShape, readout: ReadoutOptions, feedbackSeed: UInt64 = 0) {
        self.model = model
        self.shape = shape
        self.readout = readout
        if readout.feedback == .random {
            var rng = Xoshiro256(seed: feedbackSeed, stream: 0xFEED)
            let std = 1 / Double(shape.classes).squareRoot()
            randomFeedback = (0..<(shape.hidden * shape.classes)).map { _ in F(rng.normal() * std) }
        } else {
            randomFeedback = nil
        }
    }

    @inlinable
    public func evaluate(_ batch: SpikeBatch, parameters: NetworkParameters<F>) -> BatchStatistics {
        evaluateBatch(batch, parameters: parameters, model: model, readout: readout)
    }

    @inlinable
    public func accumulateGradient(of batch: SpikeBatch, parameters: NetworkParameters<F>, into gradient: inout [F]) -> BatchStatistics {
        precondition(parameters.shape == shape && gradient.count == shape.parameterCount, "parameters or gradient do not match the network shape")
        precondition(batch.samples.allSatisfy { $0.channelCount == shape.inputs }, "batch channels do not match the network inputs")
        let B = batch.count, H = shape.hidden, P = shape.presynapticCount, C = shape.classes
        let k = Model.stateCount
        let steps = batch.samples.first?.steps ?? 0
        let leaky = readout.leak > 0
        let summed = readout.loss == .summedReadout
        let kappa = F(readout.leak)

        var forward = ForwardPass<Model, F>(model: model, shape: shape, readout: readout, batchSize: B)
        var eligibility = [F](repeating: 0, count: B * H * k * P)
        var filtered = [F](repeating: 0, count: leaky ? B * H * P : 0)
        var traceSum = [F](repeating: 0, count: summed ? B * H * P : 0)
        var traceRow = [F](repeating: 0, count: P)
        var learningSignal = [F](repeating: 0, count: B * H)
        // z̄ (readout-filtered spikes), its time sum, and the same for the constant 1 (b_out).
        var filteredSpikes = [F](repeating: 0, count: B * H)
        var filteredSpikeSum = [F](repeating: 0, count: summed ? B * H : 0)
        var filteredOne: F = 0, filteredOneSum: F = 0
        recordedMemory = MemoryAccount(traces: (eligibility.count + filtered.count + traceSum.count) * MemoryLayout<F>.stride,
                               networkState: forward.stateBytes,
                               buffers: (traceRow.count + learningSignal.count + filteredSpikes.count + filteredSpikeSum.count) * MemoryLayout<F>.stride)

        return parameters.values.withUnsafeBufferPointer { w -> BatchStatistics in
            let readoutWeights = w.baseAddress! + shape.readoutWeightsRange.lowerBound
            let feedback: (Int, Int) -> F = { [randomFeedback] j, c in randomFeedback?[j * C + c] ?? readoutWeights[c * H + j] }
            return gradient.withUnsafeMutableBufferPointer { g -> BatchStatistics in
                let gW = g.baseAddress!
                let gOut = gW + shape.readoutWeightsRange.lowerBound
                let gOutBias = gW + shape.readoutBiasRange.lowerBound
                for t in 0..<steps {
                    forward.advance(to: t, batch: batch, weights: w)
                    filteredOne = kappa * filteredOne + 1
                    filteredOneSum += filteredOne
                    for b in 0..<B {
                        for j in 0..<H {
                            filteredSpikes[b * H + j] = kappa * filteredSpikes[b * H + j] + forward.local[b * H + j].spike
                            if summed { filteredSpikeSum[b * H + j] += filteredSpikes[b * H + j] }
                        }
                        guard !summed else { continue }
                        for c in 0..<C {
                            let err = forward.outputError[b * C + c]
                            gOutBias[c] += err * filteredOne
                            for j in 0..<H { gOut[c * H + j] = gOut[c * H + j].addingProduct(err, filteredSpikes[b * H + j]) }
                        }
                        for j in 0..<H {
                            var signal: F = 0
                            for c in 0..<C { signal = signal.addingProduct(feedback(j, c), forward.outputError[b * C + c]) }
                            learningSignal[b * H + j] = signal
                        }
                    }
                    forward.presynaptic.withUnsafeBufferPointer { pre in
                        eligibility.withUnsafeMutableBufferPointer { eps in
                            filtered.withUnsafeMutableBufferPointer { fil in
                                traceSum.withUnsafeMutableBufferPointer { sum in
                                    traceRow.withUnsafeMutableBufferPointer { row in
                                        for j in 0..<H {
                                            for b in 0..<B {
                                                let n = b * H + j
                                                Self.updateEligibility(k: k, eps: eps.baseAddress! + n * k * P, count: P,
                                                                       presynaptic: pre.baseAddress! + b * P, local: forward.local[n],
                                                                       trace: row.baseAddress!)
                                                var source = UnsafePointer(row.baseAddress!)
                                                if leaky {
                                                    let f = fil.baseAddress! + n * P
                                                    for p in 0..<P { f[p] = row[p].addingProduct(kappa, f[p]) }
                                                    source = UnsafePointer(f)
                                                }
                                                if summed {
                                                    let s = sum.baseAddress! + n * P
                                                    for p in 0..<P { s[p] += source[p] }
                                                } else {
                                                    let signal = learningSignal[n]
                                                    let gRow = gW + j * P
                                                    for p in 0..<P { gRow[p] = gRow[p].addingProduct(signal, source[p]) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                let stats = forward.finish(batch: batch)
                if summed {
                    // ∂E/∂W_jp = L_j Σ_t ē_jp^t with L from the final error (constant over t).
                    for b in 0..<B {
                        for c in 0..<C {
                            let err = forward.outputError[b * C + c]
                            gOutBias[c] += err * filteredOneSum
                            for j in 0..<H { gOut[c * H + j] = gOut[c * H + j].addingProduct(err, filteredSpikeSum[b * H + j]) }
                        }
                        for j in 0..<H {
                            var signal: F = 0
                            for c in 0..<C { signal = signal.addingProduct(feedback(j, c), forward.outputError[b * C + c]) }
                            let gRow = gW + j * P
                            traceSum.withUnsafeBufferPointer { sum in
                                let s = sum.baseAddress! + (b * H + j) * P
                                for p in 0..<P { gRow[p] = gRow[p].addingProduct(signal, s[p]) }
                            }
                        }
                    }
                }
                return stats
            }
        }
    }

    /// ε ← J ε + g p over one (b, j) row of P entries for each of the k state lanes, and
    /// trace ← ψ · ε. Lanes are stored one after another (`eps[r·P + p]`) so the loop over p
    /// is unit-stride for every lane.
    @inlinable
    static func updateEligibility(k: Int, eps: UnsafeMutablePointer<F>, count P: Int, presynaptic pre: UnsafePointer<F>,
                                  local: LocalLinearization<F>, trace: UnsafeMutablePointer<F>) {
        let psi = local.spikeSensitivity
        switch k {
        case 1:
            let j00 = local.row0[0], g0 = local.row0[3]
            for p in 0..<P {
                let e0 = (j00 * eps[p]).addingProduct(g0, pre[p])
                eps[p] = e0
                trace[p] = psi[0] * e0
            }
        case 2:
            let r0 = local.row0, r1 = local.row1
            let eps1 = eps + P
            for p in 0..<P {
                let a = eps[p], b = eps1[p], x = pre[p]
                let n0 = (r0[0] * a).addingProduct(r0[1], b).addingProduct(r0[3], x)
                let n1 = (r1[0] * a).addingProduct(r1[1], b).addingProduct(r1[3], x)
                eps[p] = n0
                eps1[p] = n1
                trace[p] = (psi[0] * n0).addingProduct(psi[1], n1)
            }
        default:
            let r0 = local.row0, r1 = local.row1, r2 = local.row2
            let eps1 = eps + P, eps2 = eps + 2 * P
            for p in 0..<P {
                let a = eps[p], b = eps1[p], c = eps2[p], x = pre[p]
                let n0 = (r0[0] * a).addingProduct(r0[1], b).addingProduct(r0[2], c).addingProduct(r0[3], x)
                let n1 = (r1[0] * a).addingProduct(r1[1], b).addingProduct(r1[2], c).addingProduct(r1[3], x)
                let n2 = (r2[0] * a).addingProduct(r2[1], b).addingProduct(r2[2], c).addingProduct(r2[3], x)
                eps[p] = n0
                eps1[p] = n1
                eps2[p] = n2
                trace[p] = (psi[0] * n0).addingProduct(psi[1], n1).addingProduct(psi[2], n2)
            }
        }
    }
}
