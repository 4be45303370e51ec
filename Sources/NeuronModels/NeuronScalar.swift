import AutoDiff
import RealNumerics

/// The scalar a neuron model's step is written over.
///
/// A model is written once, generically over `S: NeuronScalar`. The engine runs it with
/// `S = Float` or `Double` for plain simulation, and with `S = Dual<Float>` or `Dual<Double>`
/// to obtain, from the same code, every derivative e-prop and BPTT need. Generic
/// specialisation makes both as fast as hand-written code; nobody writes a derivative.
public protocol NeuronScalar {
    associatedtype Real: RealScalar
    /// A constant (zero derivative), e.g. a model parameter.
    init(_ constant: Double)
    /// The plain value, without derivatives.
    var value: Real { get }

    static func + (l: Self, r: Self) -> Self
    static func - (l: Self, r: Self) -> Self
    static func * (l: Self, r: Self) -> Self
    static func / (l: Self, r: Self) -> Self
    static prefix func - (x: Self) -> Self
    static func exp(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self

    /// The spike nonlinearity: 1 where x > 0 and 0 elsewhere in the forward pass; its
    /// derivative is the `surrogate`'s pseudo-derivative at x (the only derivative a model names).
    static func heaviside(_ x: Self, surrogate: Surrogate) -> Self
    /// x with its derivative cut ("stop gradient"): for paths a model chooses to ignore in
    /// learning, e.g. the reset in the original e-prop.
    static func detached(_ x: Self) -> Self
}

extension NeuronScalar {
    @inlinable @inline(__always) public static func + (l: Self, r: Double) -> Self { l + Self(r) }
    @inlinable @inline(__always) public static func - (l: Self, r: Double) -> Self { l - Self(r) }
    @inlinable @inline(__always) public static func * (l: Double, r: Self) -> Self { Self(l) * r }
    @inlinable @inline(__always) public static func - (l: Double, r: Self) -> Self { Self(l) - r }
}

extension Float: NeuronScalar {
    public typealias Real = Float
    @inlinable public var value: Float { self }
    @inlinable public static func heaviside(_ x: Float, surrogate: Surrogate) -> Float { x > 0 ? 1 : 0 }
    @inlinable public static func detached(_ x: Float) -> Float { x }
}

extension Double: NeuronScalar {
    public typealias Real = Double
    @inlinable public var value: Double { self }
    @inlinable public static func heaviside(_ x: Double, surrogate: Surrogate) -> Double { x > 0 ? 1 : 0 }
    @inlinable public static func detached(_ x: Double) -> Double { x }
}

extension Dual: NeuronScalar {
    @inlinable public init(_ constant: Double) { self.init(constant: Real(constant)) }

    @inlinable
    public static func heaviside(_ x: Dual, surrogate: Surrogate) -> Dual {
        x.applying(value: x.value > 0 ? 1 : 0, derivative: surrogate.derivative(at: x.value))
    }

    @inlinable
    public static func detached(_ x: Dual) -> Dual { Dual(constant: x.value) }
}
