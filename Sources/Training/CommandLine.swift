#if canImport(Glibc)
import Glibc
#endif

extension CommandLine {
    /// Runs the `eprop` command line; returns the process exit code.
    public static func run(_ arguments: [String]) -> Int32 {
        print("usage: eprop <command> [options]")
        return arguments.isEmpty ? 0 : 2
    }
}
