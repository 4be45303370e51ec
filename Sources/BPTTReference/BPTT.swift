import LearningRules
import NeuronModels
import RealNumerics
import SpikeData

/// Exact gradients by backpropagation through time: the ground truth e-prop is checked
/// against, and the memory baseline of the scaling harness.
///
/// The forward pass (`ForwardPass`, the same code e-prop runs) stores the whole trajectory:
/// per step, sample and neuron the local derivatives J, g, ψ and the spike, the active
/// presynaptic entries and the output error. Then, backwards from t = T−1, with adjoints
/// x̄ = ∂E/∂x:
///
///     ȳ^t   = ∂E_t/∂y^t + κ ȳ^{t+1}
///     z̄_j^t = Σ_c W_out,cj ȳ_c^t + Σ_i V_ij Ī_i^{t+1}          (all paths, across neurons)
///     s̄_j^t = ψ_j^t z̄_j^t + (J_j^{t+1})ᵀ s̄_j^{t+1}
///     Ī_j^t = g_j^t · s̄_j^t,     ∂E/∂W_jp += Ī_j^t p_p^t,     ∂E/∂W_out,cj += ȳ_c^t z_j^t
///
/// Memory: O(T·B·H·(k² + 2k)) for the trajectory, linear in T.
public final class BPTT<Model: NeuronModel, F: RealScalar>: GradientEstimator {
    public typealias Real = F
    public let model: Model
    public let shape: NetworkShape
    public let readout: ReadoutOptions
    public var methodName: String { "bptt" }
    @usableFromInline var recordedMemory = MemoryAccount()
    public var memory: MemoryAccount { recordedMemory }

    public init(model: Model, shape: NetworkShape, readout: ReadoutOptions) {
        self.model = model
        self.shape = shape
        self.readout = readout
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
        let T = batch.samples.first?.steps ?? 0
        let perStep = readout.loss == .perStep
        let kappa = F(readout.leak)

        // Forward, recording the trajectory.
        var forward = ForwardPass<Model, F>(model: model, shape: shape, readout: readout, batchSize: B)
        var local: [LocalLinearization<F>] = []
        local.reserveCapacity(T * B * H)
        var active: [Int32] = []
        var activeStart: [Int] = [0]
        activeStart.reserveCapacity(T * B + 1)
        var outputError: [F] = []
        outputError.reserveCapacity(perStep ? T * B * C : 0)
        parameters.values.withUnsafeBufferPointer { w in
            for t in 0..<T {
                forward.advance(to: t, batch: batch, weights: w)
                local += forward.local
                for b in 0..<B {
                    active += forward.activeIndices[(b * P)..<(b * P + forward.activeCounts[b])]
                    activeStart.append(active.count)
                }
                if perStep { outputError += forward.outputError }
            }
        }
        let stats = forward.finish(batch: batch)
        recordedMemory = MemoryAccount(
            trajectory: local.capacity * MemoryLayout<LocalLinearization<F>>.stride + active.capacity * 4
                + activeStart.capacity * 8 + outputError.capacity * MemoryLayout<F>.stride,
            networkState: forward.stateBytes,
            buffers: B * (C + 2 * H) * MemoryLayout<F>.stride + B * H * MemoryLayout<SIMD4<F>>.stride)

        // Backward.
        var outputAdjoint = [F](repeating: 0, count: B * C)      // ȳ^{t+1}, then ȳ^t
        var stateAdjoint = [SIMD4<F>](repeating: .zero, count: B * H)  // s̄^{t+1}, then s̄^t
        var currentAdjoint = [F](repeating: 0, count: B * H)     // Ī^{t+1}, then Ī^t
        var spikeAdjoint = [F](repeating: 0, count: H)
        let stateLanes = SIMD4<F>(1, 1, 1, 0)
        parameters.values.withUnsafeBufferPointer { w in
            let W = w.baseAddress!
            let readoutWeights = W + shape.readoutWeightsRange.lowerBound
            gradient.withUnsafeMutableBufferPointer { g in
                let gW = g.baseAddress!
                let gOut = gW + shape.readoutWeightsRange.lowerBound
                let gOutBias = gW + shape.readoutBiasRange.lowerBound
                for t in stride(from: T - 1, through: 0, by: -1) {
                    for b in 0..<B {
                        for c in 0..<C {
                            let direct = perStep ? outputError[(t * B + b) * C + c] : forward.outputError[b * C + c]
                            outputAdjoint[b * C + c] = direct + kappa * outputAdjoint[b * C + c]
                        }
                        for j in 0..<H {
                            var zBar: F = 0
                            for c in 0..<C { zBar = zBar.addingProduct(readoutWeights[c * H + j], outputAdjoint[b * C + c]) }
                            if shape.recurrent && t + 1 < T {
                                for i in 0..<H { zBar = zBar.addingProduct(W[i * P + shape.recurrentOffset + j], currentAdjoint[b * H + i]) }
                            }
                            spikeAdjoint[j] = zBar
                        }
                        for j in 0..<H {
                            let now = local[(t * B + b) * H + j]
                            var sBar = now.spikeSensitivity * spikeAdjoint[j]
                            if t + 1 < T {
                                // (J^{t+1})ᵀ s̄^{t+1}: column c of J is lane c of each row.
                                let next = local[((t + 1) * B + b) * H + j]
                                let s = stateAdjoint[b * H + j]
                                sBar += (next.row0 * s[0] + next.row1 * s[1] + next.row2 * s[2]) * stateLanes
                            }
                            stateAdjoint[b * H + j] = sBar
                            let iBar = now.row0[3] * sBar[0] + now.row1[3] * sBar[1] + now.row2[3] * sBar[2]
                            currentAdjoint[b * H + j] = iBar
                            let gRow = gW + j * P
                            for n in activeStart[t * B + b]..<activeStart[t * B + b + 1] { gRow[Int(active[n])] += iBar }
                            if now.spike != 0 {
                                for c in 0..<C { gOut[c * H + j] += outputAdjoint[b * C + c] }
                            }
                        }
                        for c in 0..<C { gOutBias[c] += outputAdjoint[b * C + c] }
                    }
                }
            }
        }
        return stats
    }
}
