/// A configuration value that is missing, of the wrong kind or out of range. `key` is the
/// dotted path of the offending field, e.g. `network.hidden`.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var key: String
    public var message: String
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }
    public var description: String { "invalid config: \(key): \(message)" }
}

/// A coding key for any string: lists the keys a JSON object really has.
public struct AnyKey: CodingKey {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}

extension Decoder {
    /// Throws for a key of this JSON object that `Keys` does not know, so a misspelt field is
    /// an error instead of a silently ignored one.
    public func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type) throws {
        let known = Set(Keys.allCases.map(\.stringValue))
        let present = try container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        if let unknown = present.sorted().first(where: { !known.contains($0) }) {
            let path = (codingPath.map(\.stringValue) + [unknown]).joined(separator: ".")
            throw ConfigurationError(key: path, message: "unknown field; expected one of \(known.sorted().joined(separator: ", "))")
        }
    }
}

extension KeyedDecodingContainer {
    /// Replaces `value` with the field at `key` when the object has it; an absent field keeps
    /// `value`, so a property's declared default is its only default.
    public func decode<T: Decodable>(_ key: Key, into value: inout T) throws {
        if let decoded = try decodeIfPresent(T.self, forKey: key) { value = decoded }
    }
}
