import Foundation
import Testing
@testable import Distribution

/// Real Open MPI. In-process tests use singleton init (rank 0 of 1, no mpirun); the
/// 2-rank test launches `eprop mpi-check` under mpirun. Serialized: MPI is initialised
/// once per process and MPICommunicator is not thread-safe.
@Suite(.serialized) struct MPICommunicatorTests {
    @Test func singletonIsRankZeroOfOneAndPassesSelfCheck() throws {
        let comm = try MPICommunicator()
        #expect(comm.rank == 0)
        #expect(comm.size == 1)
        #expect(collectiveSelfCheck(comm) == [])
        #expect(comm.allReduceCount == 3)
        #expect(comm.allReduceSeconds > 0)
    }

    @Test func launcherVariablesWithoutWiringAreRejected() {
        // What `srun` without `--mpi=pmix` looks like to a PMI-aware process: a launcher
        // declares 2 ranks, but MPI (here a singleton) sees a world of 1.
        #expect(throws: DistributionError.worldSizeMismatch(variable: "PMI_SIZE", declared: 2, mpiSize: 1)) {
            try Launch.makeCommunicator(environment: { ["PMI_RANK": "0", "PMI_SIZE": "2"][$0] })
        }
    }

    @Test func abortEndsTheProcessWithCodeAndRankMessage() async {
        let result = await #expect(processExitsWith: .exitCode(5), observing: [\.standardErrorContent]) {
            // The child inherits the PMIx wiring of this process's singleton (if the test
            // above ran first); MPI_Init would then join that job instead of a fresh one.
            MPIWiring.removeFromEnvironment()
            let comm = try! MPICommunicator()
            comm.abort(code: 5, message: "checksum mismatch")
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("rank 0: checksum mismatch"))
    }

    @Test(.enabled(if: EpropBinary.supportsMPICheck, "the eprop binary in this build has no mpi-check command yet"))
    func twoRanksUnderMpirunPassSelfCheck() throws {
        let run = try EpropBinary.run(
            "/usr/bin/env",
            ["mpirun", "-np", "2", "--allow-run-as-root", "--oversubscribe", EpropBinary.path, "mpi-check"],
            timeoutSeconds: 120)
        #expect(run.status == 0, "mpirun output:\n\(run.output)")
        #expect(run.output.contains("mpi-check ok rank 0 of 2"), "\(run.output)")
        #expect(run.output.contains("mpi-check ok rank 1 of 2"), "\(run.output)")
    }
}

/// The `eprop` executable built next to this test bundle (same build directory).
enum EpropBinary {
    static var path: String {
        let testBinary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent("eprop").path
    }

    /// True when this build's `eprop` has the `mpi-check` command (its `--help` succeeds;
    /// an unknown command exits 2).
    static var supportsMPICheck: Bool {
        guard FileManager.default.isExecutableFile(atPath: path),
              let run = try? run(path, ["mpi-check", "--help"], timeoutSeconds: 60) else { return false }
        return run.status == 0
    }

    /// Runs `executable` with `arguments`, stdout and stderr merged; kills it after
    /// `timeoutSeconds` so a hanging job fails the test instead of blocking it.
    static func run(
        _ executable: String, _ arguments: [String], timeoutSeconds: Double
    ) throws -> (status: Int32, output: String) {
        // A file rather than a pipe: nobody has to drain it while the child runs.
        let outputURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("eprop-mpi-check-\(UUID().uuidString).log")
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
enum MPIWiring {
    static func isWiring(_ name: String) -> Bool {
        ["OMPI_", "PMIX_", "PMI_", "OPAL_"].contains(where: { name.hasPrefix($0) })
    }

    static func removeFromEnvironment() {
        for name in ProcessInfo.processInfo.environment.keys where isWiring(name) { unsetenv(name) }
    }
}
