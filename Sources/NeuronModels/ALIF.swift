import RealNumerics

/// Adaptive leaky integrate-and-fire neuron (Bellec et al. 2018, 2020): a LIF whose
/// threshold rises with each spike and relaxes back.
///
/// State (k = 2): membrane potential v and threshold adaptation a.
///
///     z_{t−1} = H(v_{t−1} − ϑ − β a_{t−1})
///     a_t     = ρ a_{t−1} + (1 − ρ) z_{t−1},            ρ = exp(−Δt / τ_a)
///     v_t     = α v_{t−1} + (1 − α) I_t − ϑ z_{t−1},     α = exp(−Δt / τ_m)
///     z_t     = H(v_t − ϑ − β a_t)
///
/// | parameter      | default | unit | meaning                                   |
/// |----------------|---------|------|-------------------------------------------|
/// | `tau_mem_ms`   | 20      | ms   | membrane time constant τ_m                |
/// | `tau_adapt_ms` | 200     | ms   | adaptation time constant τ_a              |
/// | `beta`         | 1.8     | —    | adaptation strength β (threshold per unit a) |
/// | `dt_ms`        | 1       | ms   | simulation step Δt                        |
/// | `threshold`    | 1       | —    | baseline threshold ϑ                      |
/// | `detach_reset` | 0       | 0/1  | 1 cuts the reset from the gradient        |
public struct ALIF: NeuronModel {
    public static let name = "alif"
    public static let summary = "adaptive-threshold LIF (k = 2)"
    public static let stateNames = ["v", "a"]

    public let membraneDecay: Double
    public let adaptationDecay: Double
    public let beta: Double
    public let threshold: Double
    public let detachReset: Bool
    public let surrogate: Surrogate
    public let parameterValues: [String: Double]

    public init(parameters p: inout ModelParameters, surrogate: Surrogate) throws(ConfigurationError) {
        let tauM = try p.positive("tau_mem_ms", default: 20, unit: "ms")
        let tauA = try p.positive("tau_adapt_ms", default: 200, unit: "ms")
        beta = try p.take("beta", default: 1.8, requirement: "≥ 0") { $0 >= 0 }
        let dt = try p.positive("dt_ms", default: 1, unit: "ms")
        threshold = try p.positive("threshold", default: 1)
        detachReset = try p.take("detach_reset", default: 0, requirement: "0 or 1") { $0 == 0 || $0 == 1 } == 1
        membraneDecay = Double.exp(-dt / tauM)
        adaptationDecay = Double.exp(-dt / tauA)
        self.surrogate = surrogate
        parameterValues = p.effectiveValues
    }

    @inlinable @inline(__always)
    public func step<S: NeuronScalar>(_ state: StateVector<S>, current: S) -> StateVector<S> {
        let v = state.s0, a = state.s1
        var zPrev = spike(state)
        if detachReset { zPrev = S.detached(zPrev) }
        let aNext = adaptationDecay * a + (1 - adaptationDecay) * zPrev
        let vNext = membraneDecay * v + (1 - membraneDecay) * current - threshold * zPrev
        return StateVector(vNext, aNext)
    }

    @inlinable @inline(__always)
    public func spike<S: NeuronScalar>(_ state: StateVector<S>) -> S {
        S.heaviside(state.s0 - threshold - beta * state.s1, surrogate: surrogate)
    }
}
