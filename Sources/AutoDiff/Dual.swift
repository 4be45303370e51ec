import RealNumerics

/// A forward-mode dual number: a value and its derivatives along up to four independent
/// directions at once.
///
/// `Dual(x, seed: i)` is the variable x with tangent e_i. Every operation applies the chain
/// rule to all four directions with one SIMD instruction, so evaluating a function f once on
/// duals gives f and its directional derivatives ∂f/∂x_i for every seeded input. The engine
/// seeds a neuron's k state variables and its input current (k + 1 ≤ 4 directions) to get
/// the state Jacobian, the input sensitivity and the spike sensitivity of one step.
///
/// Cost: every arithmetic operation is one scalar operation plus one or two 4-wide vector
/// operations.
@frozen
public struct Dual<Real: RealScalar> {
    /// f(x).
    public var value: Real
    /// (∂f/∂x_0, ∂f/∂x_1, ∂f/∂x_2, ∂f/∂x_3).
    public var tangent: SIMD4<Real>

    /// The maximum number of independent directions.
    public static var directions: Int { 4 }

    @inlinable
    public init(value: Real, tangent: SIMD4<Real>) {
        self.value = value
        self.tangent = tangent
    }

    /// A constant: zero derivative in every direction.
    @inlinable
    public init(constant: Real) {
        self.init(value: constant, tangent: .zero)
    }

    /// The independent variable number `direction` (tangent = unit vector e_direction).
    @inlinable
    public init(_ value: Real, seed direction: Int) {
        precondition((0..<4).contains(direction), "a Dual has four directions")
        var t = SIMD4<Real>.zero
        t[direction] = 1
        self.init(value: value, tangent: t)
    }

    /// g(f) for a scalar function g with g(f.value) = `value` and g'(f.value) = `derivative`:
    /// the chain-rule primitive every nonlinearity is built from.
    @inlinable
    public func applying(value newValue: Real, derivative: Real) -> Dual {
        Dual(value: newValue, tangent: derivative * tangent)
    }
}

extension Dual {
    @inlinable public static func + (l: Dual, r: Dual) -> Dual {
        Dual(value: l.value + r.value, tangent: l.tangent + r.tangent)
    }
    @inlinable public static func - (l: Dual, r: Dual) -> Dual {
        Dual(value: l.value - r.value, tangent: l.tangent - r.tangent)
    }
    @inlinable public static prefix func - (x: Dual) -> Dual {
        Dual(value: -x.value, tangent: -x.tangent)
    }
    @inlinable public static func * (l: Dual, r: Dual) -> Dual {
        // (uv)' = u v' + v u'
        Dual(value: l.value * r.value, tangent: l.value * r.tangent + r.value * l.tangent)
    }
    @inlinable public static func / (l: Dual, r: Dual) -> Dual {
        // (u/v)' = (u' − (u/v) v') / v
        let q = l.value / r.value
        return Dual(value: q, tangent: (l.tangent - q * r.tangent) / r.value)
    }

    @inlinable public static func exp(_ x: Dual) -> Dual {
        let e = Real.exp(x.value)
        return x.applying(value: e, derivative: e)
    }
    @inlinable public static func log(_ x: Dual) -> Dual {
        x.applying(value: Real.log(x.value), derivative: 1 / x.value)
    }
    @inlinable public static func sin(_ x: Dual) -> Dual {
        x.applying(value: Real.sin(x.value), derivative: Real.cos(x.value))
    }
    @inlinable public static func cos(_ x: Dual) -> Dual {
        x.applying(value: Real.cos(x.value), derivative: -Real.sin(x.value))
    }
    @inlinable public static func tanh(_ x: Dual) -> Dual {
        let t = Real.tanh(x.value)
        return x.applying(value: t, derivative: 1 - t * t)
    }
}
