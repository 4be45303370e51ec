import NeuronModels
import RealNumerics

/// A scalar that runs a neuron model's step symbolically to learn how its derivatives depend
/// on the step's inputs: abstract interpretation over the same generic model code the engine
/// differentiates with dual numbers.
///
/// Each quantity records whether its value depends on the inputs (s_{t−1}, I_t) and whether
/// its derivative with respect to them is zero, a constant, or varies with them. The chain
/// rule decides the latter: a product u·v has a constant derivative only when one factor is a
/// constant and the other's derivative is; a nonlinearity f(u) has f′(u)·u′, which varies
/// whenever u does; `detached` has none; the spike's surrogate derivative varies with its
/// argument. So if every next-state lane comes out with a derivative that is not `varying`,
/// J = ∂s_t/∂s_{t−1} and g = ∂s_t/∂I_t are the same constants for every state, current,
/// neuron and step.
///
/// Models compute through `NeuronScalar` operations; the probe has no numeric value (`value`
/// is NaN), so code that branched on `value` would escape the analysis. `constantJacobian`
/// therefore also checks the claim numerically at several states.
@frozen
public struct TangentProbe: NeuronScalar {
    /// How a quantity's derivative with respect to the step inputs behaves, ordered so that
    /// the derivative of a sum is the `max` of its terms'.
    public enum Dependence: Int, Comparable, Sendable {
        case none, constant, varying
        @inlinable public static func < (l: Dependence, r: Dependence) -> Bool { l.rawValue < r.rawValue }
    }

    public typealias Real = Double
    /// The value depends on the step inputs.
    public var varies: Bool
    public var tangent: Dependence

    @inlinable public init(varies: Bool, tangent: Dependence) {
        self.varies = varies
        self.tangent = tangent
    }
    /// A step input: varies, with a constant (unit) derivative.
    @inlinable public static var input: TangentProbe { TangentProbe(varies: true, tangent: .constant) }

    @inlinable public init(_ constant: Double) { self.init(varies: false, tangent: .none) }
    @inlinable public var value: Double { .nan }

    /// The derivative class of x·y′.
    @inlinable static func term(_ x: TangentProbe, times dy: Dependence) -> Dependence {
        dy == .none ? .none : (x.varies ? .varying : dy)
    }
    /// f(x) for a nonlinear f: f′(x)·x′ varies whenever x does.
    @inlinable static func nonlinear(_ x: TangentProbe) -> TangentProbe {
        TangentProbe(varies: x.varies, tangent: x.tangent == .none ? .none : .varying)
    }

    @inlinable public static func + (l: TangentProbe, r: TangentProbe) -> TangentProbe {
        TangentProbe(varies: l.varies || r.varies, tangent: max(l.tangent, r.tangent))
    }
    @inlinable public static func - (l: TangentProbe, r: TangentProbe) -> TangentProbe { l + r }
    @inlinable public static prefix func - (x: TangentProbe) -> TangentProbe { x }
    @inlinable public static func * (l: TangentProbe, r: TangentProbe) -> TangentProbe {
        TangentProbe(varies: l.varies || r.varies, tangent: max(term(l, times: r.tangent), term(r, times: l.tangent)))
    }
    @inlinable public static func / (l: TangentProbe, r: TangentProbe) -> TangentProbe {
        // (u/v)′ = (u′ − (u/v) v′) / v
        let tangent: Dependence = r.varies ? (l.tangent == .none && r.tangent == .none ? .none : .varying) : l.tangent
        return TangentProbe(varies: l.varies || r.varies, tangent: tangent)
    }
    @inlinable public static func exp(_ x: TangentProbe) -> TangentProbe { nonlinear(x) }
    @inlinable public static func sin(_ x: TangentProbe) -> TangentProbe { nonlinear(x) }
    @inlinable public static func cos(_ x: TangentProbe) -> TangentProbe { nonlinear(x) }
    @inlinable public static func tanh(_ x: TangentProbe) -> TangentProbe { nonlinear(x) }
    @inlinable public static func heaviside(_ x: TangentProbe, surrogate: Surrogate) -> TangentProbe { nonlinear(x) }
    @inlinable public static func detached(_ x: TangentProbe) -> TangentProbe { TangentProbe(varies: x.varies, tangent: .none) }
}

extension NeuronModel {
    /// J (k×k) and g (k), row-major as `[J_00, …, J_{k−1,k−1}]` and `[g_0, …]`, when the model's
    /// step has the same J and g for every state and current (e.g. LIF or ALIF whose reset is
    /// detached from the gradient, as in the original e-prop); nil otherwise.
    ///
    /// Decided by running `step` on `TangentProbe` (symbolic: covers every state), then checked
    /// numerically: `linearize` at several states and currents must give identical J and g.
    public func constantJacobian<F: RealScalar>(_: F.Type) -> (jacobian: [F], inputGain: [F])? {
        let k = Self.stateCount
        let lane = { (l: Int) in l < k ? TangentProbe.input : TangentProbe(0) }
        let next = step(StateVector(lane(0), lane(1), lane(2)), current: .input)
        guard (0..<k).allSatisfy({ next[$0].tangent != .varying }) else { return nil }

        func rows(_ l: LocalLinearization<F>) -> (jacobian: [F], inputGain: [F]) {
            ((0..<k).flatMap { r in (0..<k).map { c in l.jacobian(r, c) } }, (0..<k).map { l.inputGain($0) })
        }
        let reference = rows(linearize(state: SIMD4<F>.zero, current: 0))
        let probes: [(SIMD4<F>, F)] = [(SIMD4(0.5, -0.25, 0.75, 0), 1.5), (SIMD4(1.25, 0.5, -1, 0), -0.5), (SIMD4(3, 2, 1, 0), 4)]
        for (state, current) in probes {
            var s = SIMD4<F>.zero
            for l in 0..<k { s[l] = state[l] }
            let r = rows(linearize(state: s, current: current))
            guard r.jacobian == reference.jacobian, r.inputGain == reference.inputGain else { return nil }
        }
        return reference
    }
}
