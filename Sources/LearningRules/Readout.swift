import RealNumerics

/// What the network is trained to minimise.
public enum LossKind: String, Codable, Sendable, CaseIterable {
    /// Softmax cross-entropy at every step, summed over time (the paper's loss):
    /// E = Σ_t −log softmax(y^t)[label].
    case perStep = "per_step"
    /// Softmax cross-entropy of the time-summed readout: E = −log softmax(Σ_t y^t)[label].
    case summedReadout = "summed_readout"
}

/// How the learning signal reaches the hidden neurons.
public enum FeedbackKind: String, Codable, Sendable, CaseIterable {
    /// B = W_outᵀ (symmetric e-prop; exact when there is no explicit recurrence).
    case symmetric
    /// B fixed random N(0, 1/C), drawn once from the seed (random e-prop).
    case random
}

/// The readout and loss: y_c^t = κ y_c^{t−1} + Σ_j W_out,cj z_j^t + b_out,c.
public struct ReadoutOptions: Codable, Equatable, Hashable, Sendable {
    /// κ ∈ [0, 1): 0 is an instantaneous readout (the paper), > 0 a leaky integrator.
    public var leak: Double
    public var loss: LossKind
    public var feedback: FeedbackKind

    public init(leak: Double = 0, loss: LossKind = .perStep, feedback: FeedbackKind = .symmetric) {
        self.leak = leak
        self.loss = loss
        self.feedback = feedback
    }
}

/// softmax(y) − onehot(label) into `error`, returning −log softmax(y)[label] (numerically
/// stable: shifts by max y). `logits` and `error` have C entries.
@inlinable
func softmaxCrossEntropy<F: RealScalar>(logits: UnsafePointer<F>, label: Int, classes: Int, error: UnsafeMutablePointer<F>) -> Double {
    var top = logits[0]
    for c in 1..<classes { top = max(top, logits[c]) }
    var total: F = 0
    for c in 0..<classes {
        let e = F.exp(logits[c] - top)
        error[c] = e
        total += e
    }
    for c in 0..<classes { error[c] /= total }
    let loss = -(Double(logits[label] - top) - Double.log(Double(total)))
    error[label] -= 1
    return loss
}

/// Index of the largest entry (first on ties).
@inlinable
func argmax<F: Comparable>(_ values: UnsafePointer<F>, count: Int) -> Int {
    var best = 0
    for i in 1..<count where values[i] > values[best] { best = i }
    return best
}
