import Distribution
import Foundation
import RealNumerics

/// One `eprop` subcommand.
protocol Subcommand {
    static var name: String { get }
    static var summary: String { get }
    /// Full help: synopsis and every option.
    static var usage: String { get }
    /// Runs with the arguments after the subcommand's name; returns the exit code.
    static func run(_ arguments: inout Arguments) throws -> Int32
}

/// The `eprop` command line: `eprop <command> [options]`.
public enum EPropCommand {
    static var commands: [any Subcommand.Type] {
        [TrainCommand.self, EvalCommand.self, CheckGradCommand.self, BenchCommand.self, MPICheckCommand.self, ScaleCommand.self, DataCommand.self]
    }

    static var usage: String {
        "usage: eprop <command> [options]\n\ncommands:\n"
            + commands.map { "  \($0.name.padding(toLength: 11, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n")
            + "\n\n`eprop <command> --help` describes each command's options."
    }

    /// Runs the command line `arguments` (without the program name); returns the exit code:
    /// 0 success, 1 failure (bad input files, configs, runtime errors), 2 usage errors.
    /// The error that ends a command goes to `reportError` ("error: …" on standard error).
    public static func run(_ arguments: [String], reportError: (String) -> Void = printError) -> Int32 {
        guard let name = arguments.first, !["-h", "--help", "help"].contains(name) else {
            print(usage)
            return arguments.isEmpty ? 2 : 0
        }
        guard let command = commands.first(where: { $0.name == name }) else {
            reportError("unknown command \"\(name)\"\n\n\(usage)")
            return 2
        }
        var rest = Arguments(Array(arguments.dropFirst()))
        if rest.flag("--help") || rest.flag("-h") {
            print(command.usage)
            return 0
        }
        do {
            return try command.run(&rest)
        } catch let error as UsageError {
            reportError("\(error.message)\n\n\(command.usage)")
            return 2
        } catch {
            reportError("\(error)")
            return 1
        }
    }
}

/// Writes "error: message" to standard error.
public func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}

/// Encodes `value` as one line of JSON with sorted keys.
func jsonLine<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try! encoder.encode(value), as: UTF8.self)
}
