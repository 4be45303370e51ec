import AutoDiff
import NeuronModels
import RealNumerics

/// Eight neurons' dual numbers at once: each lane is one neuron's value and its derivatives
/// along the four directions of `Dual` (the k ≤ 3 state variables and the input current).
///
/// A neuron model's step runs on it unchanged (it is a `NeuronScalar`), so one evaluation
/// linearises eight neurons with 8-wide vector arithmetic instead of eight latency-bound
/// scalar chains. Every lane performs the operations `Dual` performs, in the same order; in
/// Double, nonlinearities and surrogates go through the scalar functions lane by lane, so the
/// results are bit-identical to `NeuronModel.linearize`. In Float, e^x and the surrogates are
/// vectorised (`exponential`, `Surrogate.derivative(lanes:)`): they round differently and are
/// about as accurate (tested against Double).
///
/// There is no single value: `value` traps. Models compute through `NeuronScalar`
/// operations only (see `NeuronModel`). The arithmetic is forced inline: the compiler
/// would otherwise pass these 160-byte values through memory at every operation.
///
/// `States` says how many state directions are live (the model's k; the input direction 3
/// always is): the tangents of the others are the constant zero, so after specialisation a
/// k = 1 model does no arithmetic for directions 1 and 2.
@frozen
public struct DualLanes<F: RealScalar, States: StateDirections>: NeuronScalar {
    public typealias Real = F
    public var values: SIMD8<F>
    /// ∂/∂ direction 0 … 3, per lane.
    public var d0: SIMD8<F>
    public var d1: SIMD8<F>
    public var d2: SIMD8<F>
    public var d3: SIMD8<F>

    @inlinable
    public init(values: SIMD8<F>, d0: SIMD8<F>, d1: SIMD8<F>, d2: SIMD8<F>, d3: SIMD8<F>) {
        self.values = values
        self.d0 = d0
        self.d1 = d1
        self.d2 = d2
        self.d3 = d3
    }

    /// The independent variable number `direction` (0 ..< 4) in every lane.
    @inlinable @inline(__always)
    public init(_ values: SIMD8<F>, seed direction: Int) {
        let one = SIMD8<F>(repeating: 1)
        self.init(values: values, d0: direction == 0 ? one : .zero, d1: direction == 1 && States.count > 1 ? one : .zero,
                  d2: direction == 2 && States.count > 2 ? one : .zero, d3: direction == 3 ? one : .zero)
    }

    @inlinable @inline(__always) public init(_ constant: Double) {
        self.init(values: SIMD8(repeating: F(constant)), d0: .zero, d1: .zero, d2: .zero, d3: .zero)
    }

    public var value: F { preconditionFailure("DualLanes holds eight values; neuron models must not read `value`") }

    /// ∂/∂ direction (0 ..< 4) of every lane.
    @inlinable @inline(__always)
    public func derivative(_ direction: Int) -> SIMD8<F> {
        switch direction {
        case 0: return d0
        case 1: return d1
        case 2: return d2
        default: return d3
        }
    }

    /// `operation` for a state direction that is live (`direction` < k), else zero.
    @inlinable @inline(__always)
    static func live(_ direction: Int, _ operation: () -> SIMD8<F>) -> SIMD8<F> {
        direction < States.count ? operation() : .zero
    }

    /// g(x) lane by lane, with g′ as given: the chain rule as in `Dual.applying`.
    @inlinable @inline(__always)
    func applying(values newValues: SIMD8<F>, derivative: SIMD8<F>) -> DualLanes {
        DualLanes(values: newValues, d0: derivative * d0, d1: Self.live(1) { derivative * d1 }, d2: Self.live(2) { derivative * d2 },
                  d3: derivative * d3)
    }

    /// f(x) and f′(x) of a scalar function, lane by lane.
    @inlinable @inline(__always)
    func lanewise(_ f: (F) -> (value: F, derivative: F)) -> DualLanes {
        var v = SIMD8<F>(), d = SIMD8<F>()
        for i in 0..<8 { (v[i], d[i]) = f(values[i]) }
        return applying(values: v, derivative: d)
    }

    @inlinable @inline(__always) public static func + (l: DualLanes, r: DualLanes) -> DualLanes {
        DualLanes(values: l.values + r.values, d0: l.d0 + r.d0, d1: live(1) { l.d1 + r.d1 }, d2: live(2) { l.d2 + r.d2 }, d3: l.d3 + r.d3)
    }
    @inlinable @inline(__always) public static func - (l: DualLanes, r: DualLanes) -> DualLanes {
        DualLanes(values: l.values - r.values, d0: l.d0 - r.d0, d1: live(1) { l.d1 - r.d1 }, d2: live(2) { l.d2 - r.d2 }, d3: l.d3 - r.d3)
    }
    @inlinable @inline(__always) public static prefix func - (x: DualLanes) -> DualLanes {
        DualLanes(values: -x.values, d0: -x.d0, d1: live(1) { -x.d1 }, d2: live(2) { -x.d2 }, d3: -x.d3)
    }
    @inlinable @inline(__always) public static func * (l: DualLanes, r: DualLanes) -> DualLanes {
        // (uv)′ = u v′ + v u′
        DualLanes(values: l.values * r.values, d0: l.values * r.d0 + r.values * l.d0, d1: live(1) { l.values * r.d1 + r.values * l.d1 },
                  d2: live(2) { l.values * r.d2 + r.values * l.d2 }, d3: l.values * r.d3 + r.values * l.d3)
    }
    @inlinable @inline(__always) public static func / (l: DualLanes, r: DualLanes) -> DualLanes {
        // (u/v)′ = (u′ − (u/v) v′) / v
        let q = l.values / r.values
        return DualLanes(values: q, d0: (l.d0 - q * r.d0) / r.values, d1: live(1) { (l.d1 - q * r.d1) / r.values },
                         d2: live(2) { (l.d2 - q * r.d2) / r.values }, d3: (l.d3 - q * r.d3) / r.values)
    }
    @inlinable @inline(__always) public static func exp(_ x: DualLanes) -> DualLanes {
        if F.self == Float.self {
            let e = unsafeBitCast(exponential(unsafeBitCast(x.values, to: SIMD8<Float>.self)), to: SIMD8<F>.self)
            return x.applying(values: e, derivative: e)
        }
        return x.lanewise { let e = F.exp($0); return (e, e) }
    }
    @inlinable @inline(__always) public static func sin(_ x: DualLanes) -> DualLanes { x.lanewise { (F.sin($0), F.cos($0)) } }
    @inlinable @inline(__always) public static func cos(_ x: DualLanes) -> DualLanes { x.lanewise { (F.cos($0), -F.sin($0)) } }
    @inlinable @inline(__always) public static func tanh(_ x: DualLanes) -> DualLanes {
        x.lanewise { let t = F.tanh($0); return (t, 1 - t * t) }
    }
    @inlinable @inline(__always) public static func heaviside(_ x: DualLanes, surrogate: Surrogate) -> DualLanes {
        x.applying(values: surrogate.spike(lanes: x.values), derivative: surrogate.derivative(lanes: x.values))
    }
    @inlinable @inline(__always) public static func detached(_ x: DualLanes) -> DualLanes {
        DualLanes(values: x.values, d0: .zero, d1: .zero, d2: .zero, d3: .zero)
    }
}

/// e^x in eight Float lanes: x = n ln 2 + r with |r| ≤ ln 2 / 2 (n rounded by the 1.5·2²³
/// trick, ln 2 split in two for an exact reduction), the degree-6 Taylor polynomial of e^r
/// in Estrin's form (a short dependency chain: the neuron step is latency-bound) and 2ⁿ
/// built in the exponent bits. Relative error below 3·10⁻⁷ for x in [−87, 88]; x is
/// clamped to that range (e^x over- or underflows Float beyond it).
@inlinable @inline(__always)
public func exponential(_ x: SIMD8<Float>) -> SIMD8<Float> {
    var x = x
    x.replace(with: -87, where: x .< -87)
    x.replace(with: 88, where: x .> 88)
    let magic: Float = 12_582_912
    let t = x * 1.442_695_04 + magic
    let n = t - magic
    let r = (n * -6.931_457_5e-1 + x) + n * -1.428_606_8e-6
    let r2 = r * r
    let low = (r + 1) + r2 * (r * (1.0 / 6) + 0.5)
    let high = (r * (1.0 / 120) + 1.0 / 24) + r2 * (1.0 / 720)
    let p = low + (r2 * r2) * high
    let scale = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return p * unsafeBitCast(scale, to: SIMD8<Float>.self)
}

extension Surrogate {
    /// The Heaviside step (1 where x > 0) in eight lanes; vector compares for Float (generic
    /// masks compile to per-lane stores).
    @inlinable @inline(__always)
    public func spike<F: RealScalar>(lanes x: SIMD8<F>) -> SIMD8<F> {
        guard F.self == Float.self else {
            var z = SIMD8<F>()
            for i in 0..<8 { z[i] = x[i] > 0 ? 1 : 0 }
            return z
        }
        let y = unsafeBitCast(x, to: SIMD8<Float>.self)
        return unsafeBitCast(SIMD8<Float>.zero.replacing(with: 1, where: y .> 0), to: SIMD8<F>.self)
    }

    /// `derivative(at:)` in eight lanes: the same functions in vector arithmetic (with
    /// `exponential`; the sigmoid's in a form without cancellation) for Float, the scalar
    /// function lane by lane otherwise.
    @inlinable @inline(__always)
    public func derivative<F: RealScalar>(lanes x: SIMD8<F>) -> SIMD8<F> {
        guard F.self == Float.self else {
            var d = SIMD8<F>()
            for i in 0..<8 { d[i] = derivative(at: x[i]) }
            return d
        }
        let x = unsafeBitCast(x, to: SIMD8<Float>.self)
        let magnitude = x.replacing(with: -x, where: x .< 0)
        let d: SIMD8<Float>
        switch self {
        case .sigmoid(let steepness):
            // b σ(bx)(1 − σ(bx)) = b e / (1 + e)² with e = e^{−b|x|} (the derivative is even):
            // e ≤ 1, so far from threshold it underflows to an exact 0 instead of inf/inf = NaN.
            let b = Float(steepness)
            let e = exponential(-b * magnitude), onePlus = 1 + e
            d = b * e / (onePlus * onePlus)
        case .fastSigmoid(let steepness):
            let denominator = 1 + Float(steepness) * magnitude
            d = 1 / (denominator * denominator)
        case .triangle(let width):
            let v = 1 - magnitude / Float(width)
            d = v.replacing(with: 0, where: v .< 0)
        }
        return unsafeBitCast(d, to: SIMD8<F>.self)
    }
}

/// The number of live state directions of a `DualLanes`, as a type, so specialisation
/// removes the arithmetic of the others.
public protocol StateDirections {
    static var count: Int { get }
}
public enum OneStateDirection: StateDirections { @inlinable public static var count: Int { 1 } }
public enum TwoStateDirections: StateDirections { @inlinable public static var count: Int { 2 } }
public enum ThreeStateDirections: StateDirections { @inlinable public static var count: Int { 3 } }

extension NeuronModel {
    /// `linearize` for eight neurons at once, from states `s` (lanes ≥ k zero) and currents:
    /// the next state (J_rc = `next[r].derivative(c)`, g_r = `next[r].derivative(3)`) and the
    /// spike of the next state (ψ_r = `spike.derivative(r)`), carrying the state directions
    /// below `States.count` (at least k; derivatives along the others read as zero).
    /// Bit-identical to `linearize` lane by lane in Double (up to the sign of zero), within a
    /// few ulp in Float.
    @inlinable @inline(__always)
    public func linearize<F: RealScalar, States: StateDirections>(lanes s: (SIMD8<F>, SIMD8<F>, SIMD8<F>), current: SIMD8<F>,
                                                                   directions: States.Type)
        -> (next: StateVector<DualLanes<F, States>>, spike: DualLanes<F, States>) {
        assert(States.count >= Self.stateCount, "linearize(lanes:) needs at least the model's k state directions")
        typealias Lanes = DualLanes<F, States>
        let next = step(StateVector(Lanes(s.0, seed: 0), Lanes(s.1, seed: 1), Lanes(s.2, seed: 2)), current: Lanes(current, seed: 3))
        let z = spike(StateVector(Lanes(next.s0.values, seed: 0), Lanes(next.s1.values, seed: 1), Lanes(next.s2.values, seed: 2)))
        return (next, z)
    }
}
