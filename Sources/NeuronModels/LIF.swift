import RealNumerics

/// Leaky integrate-and-fire neuron with reset by subtraction (Bellec et al. 2020).
///
/// State (k = 1): membrane potential v (units of the threshold).
///
///     z_{t−1} = H(v_{t−1} − ϑ)
///     v_t     = α v_{t−1} + (1 − α) I_t − ϑ z_{t−1},     α = exp(−Δt / τ_m)
///     z_t     = H(v_t − ϑ)
///
/// | parameter      | default | unit | meaning                           |
/// |----------------|---------|------|-----------------------------------|
/// | `tau_mem_ms`   | 20      | ms   | membrane time constant τ_m         |
/// | `dt_ms`        | 1       | ms   | simulation step Δt                 |
/// | `threshold`    | 1       | —    | firing threshold ϑ                 |
/// | `detach_reset` | 0       | 0/1  | 1 cuts the reset from the gradient (original e-prop) |
public struct LIF: NeuronModel {
    public static let name = "lif"
    public static let summary = "leaky integrate-and-fire, reset by subtraction (k = 1)"
    public static let stateNames = ["v"]

    public let decay: Double
    public let threshold: Double
    public let detachReset: Bool
    public let surrogate: Surrogate
    public let parameterValues: [String: Double]

    public init(parameters p: inout ModelParameters, surrogate: Surrogate) throws(ConfigurationError) {
        let tau = try p.positive("tau_mem_ms", default: 20, unit: "ms")
        let dt = try p.positive("dt_ms", default: 1, unit: "ms")
        decay = Double.exp(-dt / tau)
        threshold = try p.positive("threshold", default: 1)
        detachReset = try p.take("detach_reset", default: 0, requirement: "0 or 1") { $0 == 0 || $0 == 1 } == 1
        self.surrogate = surrogate
        parameterValues = p.effectiveValues
    }

    @inlinable @inline(__always)
    public func step<S: NeuronScalar>(_ state: StateVector<S>, current: S) -> StateVector<S> {
        let v = state.s0
        var zPrev = spike(state)
        if detachReset { zPrev = S.detached(zPrev) }
        return StateVector(decay * v + (1 - decay) * current - threshold * zPrev)
    }

    @inlinable @inline(__always)
    public func spike<S: NeuronScalar>(_ state: StateVector<S>) -> S {
        S.heaviside(state.s0 - threshold, surrogate: surrogate)
    }
}
