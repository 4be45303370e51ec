/// How closely one gradient matches a reference: the measures check-grad reports and the
/// tests bound.
public struct GradientComparison: Sendable, Equatable {
    /// max |g − g_ref| / max |g_ref| (the absolute difference when the reference is zero).
    public var maxRelativeError: Double
    /// ⟨g, g_ref⟩ / (|g| |g_ref|).
    public var cosine: Double

    public init<F: BinaryFloatingPoint>(eprop g: [F], bptt reference: [F]) {
        precondition(g.count == reference.count, "compared gradients differ in length")
        var diff = 0.0, scale = 0.0, dot = 0.0, normG = 0.0, normR = 0.0
        for (a, b) in zip(g, reference) {
            let x = Double(a), y = Double(b)
            diff = max(diff, abs(x - y))
            scale = max(scale, abs(y))
            dot += x * y
            normG += x * x
            normR += y * y
        }
        maxRelativeError = scale == 0 ? diff : diff / scale
        cosine = dot / (normG.squareRoot() * normR.squareRoot())
    }
}
