import RealNumerics

/// Resonate-and-fire neuron (Izhikevich 2001): a damped oscillator that fires when its
/// voltage-like component crosses threshold, so it prefers inputs near its own frequency.
///
/// State (k = 2): current-like x and voltage-like y, the real and imaginary parts of
/// u = x + i y with du/dt = (−1/τ + iω) u + I.
///
///     z_{t−1} = H(y_{t−1} − ϑ)
///     x_t     = r (cos θ · x_{t−1} − sin θ · y_{t−1}) + (1 − r) I_t
///     y_t     = r (sin θ · x_{t−1} + cos θ · y_{t−1}) − ϑ z_{t−1}
///     z_t     = H(y_t − ϑ),       r = exp(−Δt / τ),  θ = 2π f Δt
///
/// Its state Jacobian is a full 2×2 rotation-and-decay (plus the reset path), which exercises
/// the non-diagonal k×k products of the trace update.
///
/// | parameter      | default | unit | meaning                        |
/// |----------------|---------|------|--------------------------------|
/// | `tau_ms`       | 20      | ms   | damping time constant τ        |
/// | `frequency_hz` | 20      | Hz   | resonance frequency f          |
/// | `dt_ms`        | 1       | ms   | simulation step Δt             |
/// | `threshold`    | 1       | —    | firing threshold ϑ             |
/// | `gain`         | 4       | —    | scale of the input drive (keeps the weight scale of a LIF) |
public struct ResonateAndFire: NeuronModel {
    public static let name = "rf"
    public static let summary = "resonate-and-fire damped oscillator (k = 2)"
    public static let stateNames = ["x", "y"]

    public let decay: Double
    public let cosine: Double
    public let sine: Double
    public let threshold: Double
    public let inputScale: Double
    public let surrogate: Surrogate
    public let parameterValues: [String: Double]

    public init(parameters p: inout ModelParameters, surrogate: Surrogate) throws(ConfigurationError) {
        let tau = try p.positive("tau_ms", default: 20, unit: "ms")
        let frequency = try p.take("frequency_hz", default: 20, unit: "Hz", requirement: "≥ 0") { $0 >= 0 }
        let dt = try p.positive("dt_ms", default: 1, unit: "ms")
        threshold = try p.positive("threshold", default: 1)
        let gain = try p.positive("gain", default: 4)
        decay = Double.exp(-dt / tau)
        let angle = 2 * Double.pi * frequency * dt / 1000
        cosine = Double.cos(angle)
        sine = Double.sin(angle)
        inputScale = gain * (1 - decay)
        self.surrogate = surrogate
        parameterValues = p.effectiveValues
    }

    @inlinable @inline(__always)
    public func step<S: NeuronScalar>(_ state: StateVector<S>, current: S) -> StateVector<S> {
        let x = state.s0, y = state.s1
        let zPrev = spike(state)
        let xNext = decay * (cosine * x - sine * y) + inputScale * current
        let yNext = decay * (sine * x + cosine * y) - threshold * zPrev
        return StateVector(xNext, yNext)
    }

    @inlinable @inline(__always)
    public func spike<S: NeuronScalar>(_ state: StateVector<S>) -> S {
        S.heaviside(state.s1 - threshold, surrogate: surrogate)
    }
}
