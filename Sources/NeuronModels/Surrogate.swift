import RealNumerics

/// Pseudo-derivatives for the spike's Heaviside step, as functions of x = v − threshold
/// (dimensionless, in units of the normalised membrane potential).
public enum Surrogate: Sendable, Equatable, Hashable {
    /// d/dx σ(βx) = β σ(βx)(1 − σ(βx)); peak β/4 at x = 0. The paper's choice (β = 10).
    case sigmoid(steepness: Double)
    /// SuperSpike's fast sigmoid: 1 / (1 + β|x|)²; peak 1.
    case fastSigmoid(steepness: Double)
    /// Piecewise linear (Bellec et al. 2018): max(0, 1 − |x| / w); exactly zero for |x| ≥ w.
    case triangle(width: Double)

    /// The names accepted in configs.
    public static let kinds = ["sigmoid", "fast_sigmoid", "triangle"]

    /// Builds a surrogate from its config name and its scale (steepness β or width w).
    public init(kind: String, scale: Double) throws(ConfigurationError) {
        guard scale.isFinite, scale > 0 else {
            throw ConfigurationError(key: "model.surrogate.scale", message: "must be a positive number, got \(scale)")
        }
        switch kind {
        case "sigmoid": self = .sigmoid(steepness: scale)
        case "fast_sigmoid": self = .fastSigmoid(steepness: scale)
        case "triangle": self = .triangle(width: scale)
        default:
            throw ConfigurationError(key: "model.surrogate.kind",
                                     message: "unknown surrogate \"\(kind)\"; expected one of \(Surrogate.kinds.joined(separator: ", "))")
        }
    }

    /// The pseudo-derivative at x.
    @inlinable
    public func derivative<R: RealScalar>(at x: R) -> R {
        switch self {
        case .sigmoid(let beta):
            let b = R(beta)
            let s = 1 / (1 + R.exp(-b * x))
            return b * s * (1 - s)
        case .fastSigmoid(let beta):
            let d = 1 + R(beta) * abs(x)
            return 1 / (d * d)
        case .triangle(let width):
            return max(0, 1 - abs(x) / R(width))
        }
    }
}
