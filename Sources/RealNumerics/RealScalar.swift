#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The floating-point types the engine is generic over (`Float` for training, `Double` for
/// exactness tests).
///
/// Adds to `BinaryFloatingPoint` the elementary functions neuron models and losses need,
/// so generic code never goes through `Double`.
public protocol RealScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable
where Self.RawSignificand: FixedWidthInteger {
    /// e^x.
    static func exp(_ x: Self) -> Self
    /// Natural logarithm.
    static func log(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    /// A short name used in reports and file metadata ("float32", "float64").
    static var precisionName: String { get }
}

extension Float: RealScalar {
    @inlinable public static func exp(_ x: Float) -> Float { expf(x) }
    @inlinable public static func log(_ x: Float) -> Float { logf(x) }
    @inlinable public static func sin(_ x: Float) -> Float { sinf(x) }
    @inlinable public static func cos(_ x: Float) -> Float { cosf(x) }
    @inlinable public static func tanh(_ x: Float) -> Float { tanhf(x) }
    public static var precisionName: String { "float32" }
}

extension Double: RealScalar {
    @inlinable public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inlinable public static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inlinable public static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    public static var precisionName: String { "float64" }
}
