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
