import Foundation
import RealNumerics

/// The dotted path of a decoding error ("network.hidden") and a readable message.
func configurationError(from error: DecodingError) -> ConfigurationError {
    func path(_ context: DecodingError.Context, _ last: CodingKey? = nil) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue } + (last.map { [$0.stringValue] } ?? [])
        return keys.isEmpty ? "(top level)" : keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }
    switch error {
    case .keyNotFound(let key, let context):
        return ConfigurationError(key: path(context, key), message: "missing required field")
    case .typeMismatch(let type, let context):
        return ConfigurationError(key: path(context), message: "expected \(typeName(type)): \(context.debugDescription)")
    case .valueNotFound(let type, let context):
        return ConfigurationError(key: path(context), message: "expected \(typeName(type)), got null")
    case .dataCorrupted(let context):
        let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
        return ConfigurationError(key: path(context), message: underlying ?? context.debugDescription)
    @unknown default:
        return ConfigurationError(key: "(unknown)", message: "\(error)")
    }
}

private func typeName(_ type: Any.Type) -> String {
    switch type {
    case is Int.Type, is UInt64.Type: return "an integer"
    case is Double.Type: return "a number"
    case is String.Type: return "a string"
    case is Bool.Type: return "true or false"
    default: return "\(type)"
    }
}

/// Range checks with the field's dotted path in the message.
struct Validator {
    let prefix: String

    func key(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }

    func positive(_ value: Int, _ name: String) throws(ConfigurationError) {
        guard value > 0 else { throw ConfigurationError(key: key(name), message: "must be a positive integer, got \(value)") }
    }
    func nonNegative(_ value: Int, _ name: String) throws(ConfigurationError) {
        guard value >= 0 else { throw ConfigurationError(key: key(name), message: "must be ≥ 0, got \(value)") }
    }
    func positive(_ value: Double, _ name: String) throws(ConfigurationError) {
        guard value.isFinite, value > 0 else { throw ConfigurationError(key: key(name), message: "must be a positive finite number, got \(value)") }
    }
    func inRange(_ value: Double, _ range: Range<Double>, _ name: String) throws(ConfigurationError) {
        guard value.isFinite, range.contains(value) else {
            throw ConfigurationError(key: key(name), message: "must lie in [\(range.lowerBound), \(range.upperBound)), got \(value)")
        }
    }
    func inRange(_ value: Double, _ range: ClosedRange<Double>, _ name: String) throws(ConfigurationError) {
        guard value.isFinite, range.contains(value) else {
            throw ConfigurationError(key: key(name), message: "must lie in [\(range.lowerBound), \(range.upperBound)], got \(value)")
        }
    }
    func oneOf(_ value: String, _ allowed: [String], _ name: String) throws(ConfigurationError) {
        guard allowed.contains(value) else {
            throw ConfigurationError(key: key(name), message: "unknown value \"\(value)\"; expected one of \(allowed.joined(separator: ", "))")
        }
    }
}
