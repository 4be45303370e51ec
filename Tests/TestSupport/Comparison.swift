import LearningRules

/// max |a − b| / max |b|: the relative error measure the project's gradient checks use.
public func maxRelativeError<F: BinaryFloatingPoint>(_ a: [F], _ b: [F]) -> Double {
    GradientComparison(eprop: a, bptt: b).maxRelativeError
}

/// Cosine similarity ⟨a, b⟩ / (|a| |b|).
public func cosineSimilarity<F: BinaryFloatingPoint>(_ a: [F], _ b: [F]) -> Double {
    GradientComparison(eprop: a, bptt: b).cosine
}

/// Tolerances by precision: the project's stated bounds for "equal up to float rounding".
public protocol ToleranceScalar {
    static var gradientTolerance: Double { get }
}
extension Float: ToleranceScalar { public static var gradientTolerance: Double { 1e-4 } }
extension Double: ToleranceScalar { public static var gradientTolerance: Double { 1e-9 } }
