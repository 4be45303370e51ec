import AutoDiff
import RealNumerics

/// The up to three state variables of one neuron, over any `NeuronScalar`.
///
/// Lanes a model does not use stay at zero; their derivatives never reach the engine.
@frozen
public struct StateVector<S: NeuronScalar> {
    public var s0: S
    public var s1: S
    public var s2: S

    @inlinable public init(_ s0: S) { self.init(s0, S(0), S(0)) }
    @inlinable public init(_ s0: S, _ s1: S) { self.init(s0, s1, S(0)) }
    @inlinable public init(_ s0: S, _ s1: S, _ s2: S) {
        self.s0 = s0
        self.s1 = s1
        self.s2 = s2
    }

    @inlinable
    public subscript(i: Int) -> S {
        switch i {
        case 0: return s0
        case 1: return s1
        case 2: return s2
        default: preconditionFailure("a StateVector has three lanes")
        }
    }
}

/// A spiking neuron model, written once as its forward step.
///
/// Conforming types write only
/// - `step`: s_t = f(s_{t−1}, I_t), including any reset or adaptation driven by the neuron's
///   own previous spike, which `step` recomputes from s_{t−1} with `spike` (so every
///   same-neuron path is part of the state Jacobian);
/// - `spike`: z_t = h(s_t), a `heaviside` of some function of the state.
///
/// Both are generic over `NeuronScalar`; the engine derives the state Jacobian
/// J = ∂s_t/∂s_{t−1} (k×k), the input sensitivity g = ∂s_t/∂I_t and the spike sensitivity
/// ψ = ∂z_t/∂s_t by forward-mode automatic differentiation (see `linearize`). Mark both
/// methods `@inlinable @inline(__always)`: the engine's specialised hot loop must inline them
/// (as calls, the 160-byte eight-neuron duals travel through memory and the forward pass ran
/// 1.2–1.6× slower; the compiler's own heuristics decline to inline a model's step). Both compute
/// through `NeuronScalar` operations only and never read `value`: the engine also runs them
/// on eight neurons at once and symbolically (to find out whether J and g are constant).
///
/// Units: time in ms, the input current I and the membrane potential in units of the
/// (normalised) threshold. Every neuron starts at the zero state.
public protocol NeuronModel: Sendable {
    /// The name configs use ("lif").
    static var name: String { get }
    /// One line for `--help` and reports.
    static var summary: String { get }
    /// The names of the k ≤ 3 state variables, in lane order.
    static var stateNames: [String] { get }

    /// Reads the model's parameters (each with its default) and the spike surrogate.
    /// Throws `ConfigurationError` naming the parameter for invalid values.
    init(parameters: inout ModelParameters, surrogate: Surrogate) throws(ConfigurationError)

    /// The parameter values in effect (defaults filled in), for checkpoints and reports.
    var parameterValues: [String: Double] { get }

    /// s_t = f(s_{t−1}, I_t).
    func step<S: NeuronScalar>(_ state: StateVector<S>, current: S) -> StateVector<S>
    /// z_t = h(s_t) ∈ {0, 1}.
    func spike<S: NeuronScalar>(_ state: StateVector<S>) -> S
}

extension NeuronModel {
    /// k, the number of state variables.
    public static var stateCount: Int { stateNames.count }
}

/// One neuron's step and its local derivatives, from one dual-number evaluation.
///
/// Lane c of `jacobianRows.r` is J_rc = ∂s_t[r]/∂s_{t−1}[c] (c < 3); lane 3 is g_r = ∂s_t[r]/∂I_t.
@frozen
public struct LocalLinearization<Real: RealScalar> {
    /// s_t (lanes ≥ k are zero).
    public var state: SIMD4<Real>
    /// Rows of [J | g].
    public var row0: SIMD4<Real>
    public var row1: SIMD4<Real>
    public var row2: SIMD4<Real>
    /// ψ = ∂z_t/∂s_t (lanes 0..<k).
    public var spikeSensitivity: SIMD4<Real>
    /// z_t ∈ {0, 1}.
    public var spike: Real

    @inlinable
    public init(state: SIMD4<Real>, row0: SIMD4<Real>, row1: SIMD4<Real>, row2: SIMD4<Real>,
                spikeSensitivity: SIMD4<Real>, spike: Real) {
        self.state = state
        self.row0 = row0
        self.row1 = row1
        self.row2 = row2
        self.spikeSensitivity = spikeSensitivity
        self.spike = spike
    }

    /// J_rc.
    @inlinable public func jacobian(_ r: Int, _ c: Int) -> Real { row(r)[c] }
    /// g_r.
    @inlinable public func inputGain(_ r: Int) -> Real { row(r)[3] }
    @inlinable public func row(_ r: Int) -> SIMD4<Real> {
        switch r {
        case 0: return row0
        case 1: return row1
        default: return row2
        }
    }
}

extension NeuronModel {
    /// Runs one step on dual numbers: seeds the three state lanes (directions 0, 1, 2) and the
    /// input current (direction 3), then seeds the new state again to differentiate the spike.
    ///
    /// Complexity: two evaluations of the model on `Dual<Real>`.
    @inlinable
    public func linearize<Real: RealScalar>(state: SIMD4<Real>, current: Real) -> LocalLinearization<Real> {
        let s = StateVector(Dual(state[0], seed: 0), Dual(state[1], seed: 1), Dual(state[2], seed: 2))
        let next = step(s, current: Dual(current, seed: 3))
        let nextValue = SIMD4(next.s0.value, next.s1.value, next.s2.value, 0)
        let z = spike(StateVector(Dual(nextValue[0], seed: 0), Dual(nextValue[1], seed: 1), Dual(nextValue[2], seed: 2)))
        return LocalLinearization(state: nextValue, row0: next.s0.tangent, row1: next.s1.tangent, row2: next.s2.tangent,
                                  spikeSensitivity: z.tangent, spike: z.value)
    }

    /// One plain step (no derivatives) and the spike it produces: inference and evaluation.
    @inlinable
    public func advance<Real: RealScalar & NeuronScalar>(state: SIMD4<Real>, current: Real) -> (state: SIMD4<Real>, spike: Real)
    where Real.Real == Real {
        let next = step(StateVector(state[0], state[1], state[2]), current: current)
        return (SIMD4(next.s0, next.s1, next.s2, 0), spike(next))
    }
}
