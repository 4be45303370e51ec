import Foundation

/// The `eprop` executable built next to this test bundle (same build directory).
public enum EPropBinary {
    public static var path: String {
        let testBinary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent("eprop").path
    }

    /// True when this build's `eprop` has the `mpi-check` command (its `--help` succeeds;
    /// an unknown command exits 2).
    public static var supportsMPICheck: Bool {
        supports("mpi-check")
    }

    /// True when this build's `eprop` has `command` (its `--help` succeeds; an unknown
    /// command exits 2). Tests that launch the binary are enabled by this, so a partial build
    /// skips them with a message instead of failing obscurely.
    public static func supports(_ command: String) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: path),
              let run = try? run(path, [command, "--help"], timeoutSeconds: 60) else { return false }
        return run.status == 0
    }

    /// True when `mpirun` is on PATH.
    public static var mpirunExists: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/mpirun")
        }
    }

    /// `mpirun` arguments that work as root and with more ranks than cores on this machine.
    public static func mpirun(ranks: Int, _ arguments: [String]) -> (String, [String]) {
        ("/usr/bin/env", ["mpirun", "-np", "\(ranks)", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", path] + arguments)
    }

    /// Runs `executable` with `arguments`, stdout and stderr merged; kills it after
    /// `timeoutSeconds` so a hanging job fails the test instead of blocking it.
    public static func run(
        _ executable: String, _ arguments: [String], timeoutSeconds: Double, environment: [String: String] = [:]
    ) throws -> (status: Int32, output: String) {
        // A file rather than a pipe: nobody has to drain it while the child runs.
        let outputURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("eprop-run-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: outputURL.path])
        }
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let output = try FileHandle(forWritingTo: outputURL)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !MPIWiring.isWiring($0.key) }
            .merging(environment) { $1 }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: outputURL, encoding: .utf8))
    }
}

/// Environment variables through which Open MPI wires a process into a job. Singleton init
/// (the in-process tests) exports PMIX_*/OMPI_* variables describing this process's own
/// one-rank job; a child `mpirun` inheriting them exits 1 without any output, and a child
/// calling MPI_Init joins this process's job.
public enum MPIWiring {
    public static func isWiring(_ name: String) -> Bool {
        ["OMPI_", "PMIX_", "PMI_", "OPAL_"].contains(where: { name.hasPrefix($0) })
    }

    public static func removeFromEnvironment() {
        for name in ProcessInfo.processInfo.environment.keys where isWiring(name) { unsetenv(name) }
    }
}
