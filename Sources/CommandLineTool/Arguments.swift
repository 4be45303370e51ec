/// A command-line mistake: printed with the command's usage, exit code 2.
public struct UsageError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The options of one subcommand, consumed by name; anything left over is an error, so a
/// misspelt flag never goes unnoticed.
struct Arguments {
    private var remaining: [String]

    init(_ arguments: [String]) { remaining = arguments }

    /// Removes `--name VALUE` (or `--name=VALUE`) and returns VALUE.
    mutating func option(_ name: String) throws(UsageError) -> String? {
        if let i = remaining.firstIndex(where: { $0.hasPrefix(name + "=") }) {
            let value = String(remaining.remove(at: i).dropFirst(name.count + 1))
            return value
        }
        guard let i = remaining.firstIndex(of: name) else { return nil }
        guard i + 1 < remaining.count, !remaining[i + 1].hasPrefix("--") else { throw UsageError("\(name) needs a value") }
        let value = remaining[i + 1]
        remaining.removeSubrange(i...(i + 1))
        return value
    }

    mutating func required(_ name: String) throws(UsageError) -> String {
        guard let value = try option(name) else { throw UsageError("missing required option \(name)") }
        return value
    }

    mutating func integer(_ name: String, default value: Int) throws(UsageError) -> Int {
        guard let text = try option(name) else { return value }
        guard let n = Int(text) else { throw UsageError("\(name) expects an integer, got \"\(text)\"") }
        return n
    }

    mutating func number(_ name: String, default value: Double) throws(UsageError) -> Double {
        guard let text = try option(name) else { return value }
        guard let x = Double(text), x.isFinite else { throw UsageError("\(name) expects a number, got \"\(text)\"") }
        return x
    }

    /// Comma-separated integers: `--hidden 256,512`.
    mutating func integers(_ name: String, default value: [Int]) throws(UsageError) -> [Int] {
        guard let text = try option(name) else { return value }
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { throw UsageError("\(name) expects comma-separated integers, got \"\(text)\"") }
        return parts.map { $0! }
    }

    /// Removes `--name` and tells whether it was there.
    mutating func flag(_ name: String) -> Bool {
        guard let i = remaining.firstIndex(of: name) else { return false }
        remaining.remove(at: i)
        return true
    }

    /// Throws for anything not consumed.
    func finish() throws(UsageError) {
        if let extra = remaining.first { throw UsageError("unknown argument \"\(extra)\"") }
    }
}

import Foundation
