import RealNumerics

/// A model's named parameters as given in a config, read one by one by the model's
/// initializer with defaults and validity checks. Keys no model reads are rejected by
/// `finish()`, so a typo never silently falls back to a default.
public struct ModelParameters: Sendable {
    @usableFromInline var values: [String: Double]
    @usableFromInline var read: [String: Double] = [:]
    /// Dotted path of the parameter block in the config, for error messages.
    public let context: String

    public init(_ values: [String: Double], context: String = "model.parameters") {
        self.values = values
        self.context = context
    }

    /// The value of `key`, or `defaultValue` when absent; throws unless `isValid(value)`.
    /// `requirement` completes "must be …" in the error message.
    public mutating func take(_ key: String, default defaultValue: Double, unit: String = "",
                              requirement: String = "a finite number",
                              isValid: (Double) -> Bool = { $0.isFinite }) throws(ConfigurationError) -> Double {
        let v = values[key] ?? defaultValue
        guard v.isFinite, isValid(v) else {
            throw ConfigurationError(key: "\(context).\(key)", message: "must be \(requirement), got \(v)\(unit.isEmpty ? "" : " " + unit)")
        }
        read[key] = v
        return v
    }

    /// A strictly positive parameter (time constants, thresholds).
    public mutating func positive(_ key: String, default defaultValue: Double, unit: String = "") throws(ConfigurationError) -> Double {
        try take(key, default: defaultValue, unit: unit, requirement: "positive") { $0 > 0 }
    }

    /// Every value read so far (defaults included).
    public var effectiveValues: [String: Double] { read }

    /// Throws for a key the model did not read.
    public func finish(model: String) throws(ConfigurationError) {
        if let unknown = values.keys.sorted().first(where: { read[$0] == nil }) {
            throw ConfigurationError(key: "\(context).\(unknown)",
                                     message: "unknown parameter for model \(model); it has \(read.keys.sorted().joined(separator: ", "))")
        }
    }
}
