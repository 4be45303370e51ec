/// Shared numerical comparisons for the test targets.

/// max |a − b| / max |b|: the relative error measure the project's gradient checks use.
public func maxRelativeError<F: BinaryFloatingPoint>(_ a: [F], _ b: [F]) -> Double {
    precondition(a.count == b.count, "compared arrays differ in length")
    var diff = 0.0, scale = 0.0
    for (x, y) in zip(a, b) {
        diff = max(diff, abs(Double(x) - Double(y)))
        scale = max(scale, abs(Double(y)))
    }
    return scale == 0 ? diff : diff / scale
}

/// Cosine similarity ⟨a, b⟩ / (|a| |b|).
public func cosineSimilarity<F: BinaryFloatingPoint>(_ a: [F], _ b: [F]) -> Double {
    precondition(a.count == b.count, "compared arrays differ in length")
    var dot = 0.0, na = 0.0, nb = 0.0
    for (x, y) in zip(a, b) {
        dot += Double(x) * Double(y)
        na += Double(x) * Double(x)
        nb += Double(y) * Double(y)
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}

/// Tolerances by precision: the project's stated bounds for "equal up to float rounding".
public protocol ToleranceScalar {
    static var gradientTolerance: Double { get }
}
extension Float: ToleranceScalar { public static var gradientTolerance: Double { 1e-4 } }
extension Double: ToleranceScalar { public static var gradientTolerance: Double { 1e-9 } }
