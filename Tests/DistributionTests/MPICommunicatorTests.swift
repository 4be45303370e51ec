import Foundation
import Testing
import TestSupport
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

    @Test(.enabled(if: EPropBinary.supportsMPICheck, "the eprop binary in this build has no mpi-check command yet"))
    func twoRanksUnderMpirunPassSelfCheck() throws {
        let run = try EPropBinary.run(
            "/usr/bin/env",
            ["mpirun", "-np", "2", "--allow-run-as-root", "--oversubscribe", EPropBinary.path, "mpi-check"],
            timeoutSeconds: 120)
        #expect(run.status == 0, "mpirun output:\n\(run.output)")
        #expect(run.output.contains("mpi-check ok rank 0 of 2"), "\(run.output)")
        #expect(run.output.contains("mpi-check ok rank 1 of 2"), "\(run.output)")
    }
}
