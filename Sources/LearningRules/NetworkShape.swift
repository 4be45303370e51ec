import RealNumerics

/// The architecture of the network: N_in inputs → H spiking neurons (optionally recurrent,
/// optionally with a bias) → C leaky or instantaneous readout units.
///
/// The hidden layer's input current is I_j^t = Σ_p W_jp p^t_p over the *presynaptic vector*
/// p^t = [x^t (N_in) | z^{t−1} (H, if recurrent) | 1 (if bias)], so input weights, explicit
/// recurrence and bias are one H×P matrix, and one trace and gradient mechanism serves all three.
public struct NetworkShape: Codable, Equatable, Hashable, Sendable {
    /// N_in.
    public var inputs: Int
    /// H.
    public var hidden: Int
    /// C.
    public var classes: Int
    /// Explicit recurrence V (H×H); e-prop is then an approximation of BPTT.
    public var recurrent: Bool
    /// A bias b_j on each hidden neuron.
    public var bias: Bool

    public init(inputs: Int, hidden: Int, classes: Int, recurrent: Bool = false, bias: Bool = false) {
        self.inputs = inputs
        self.hidden = hidden
        self.classes = classes
        self.recurrent = recurrent
        self.bias = bias
    }

    /// P = N_in + (recurrent ? H : 0) + (bias ? 1 : 0): the length of one row of W.
    public var presynapticCount: Int { inputs + (recurrent ? hidden : 0) + (bias ? 1 : 0) }
    /// Offset of z^{t−1} within the presynaptic vector.
    public var recurrentOffset: Int { inputs }
    /// Offset of the constant 1 within the presynaptic vector.
    public var biasOffset: Int { inputs + (recurrent ? hidden : 0) }

    /// Offsets of the parameter blocks in the one flat parameter (and gradient) buffer:
    /// [W (H×P, row-major) | W_out (C×H, row-major) | b_out (C)].
    public var hiddenWeightsRange: Range<Int> { 0..<(hidden * presynapticCount) }
    public var readoutWeightsRange: Range<Int> { hiddenWeightsRange.upperBound..<(hiddenWeightsRange.upperBound + classes * hidden) }
    public var readoutBiasRange: Range<Int> { readoutWeightsRange.upperBound..<(readoutWeightsRange.upperBound + classes) }
    /// Total number of trainable parameters.
    public var parameterCount: Int { readoutBiasRange.upperBound }
}
