import Testing
import TestSupport
@testable import Distribution

/// Mode selection and launch-consistency checks, with the environment injected.
@Suite struct LaunchTests {
    private func environment(_ values: [String: String]) -> (String) -> String? {
        { values[$0] }
    }

    @Test func withoutLauncherVariablesIsLocal() throws {
        let comm = try Launch.makeCommunicator(environment: environment([:]))
        #expect(comm is LocalCommunicator)
        let single = try Launch.makeCommunicator(environment: environment(["SLURM_STEP_NUM_TASKS": "1"]))
        #expect(single is LocalCommunicator)
    }

    @Test func batchAllocationAloneIsNotAnError() throws {
        // One process in an `sbatch -n 4` script: SLURM_NTASKS is set, but no srun step.
        let comm = try Launch.makeCommunicator(environment: environment(["SLURM_NTASKS": "4"]))
        #expect(comm is LocalCommunicator)
    }

    @Test func srunWithoutMPIWiringIsRejected() {
        #expect(throws: DistributionError.launchedWithoutMPIWiring(variable: "SLURM_STEP_NUM_TASKS", tasks: 4)) {
            try Launch.makeCommunicator(environment: environment(["SLURM_STEP_NUM_TASKS": "4"]))
        }
        let message = DistributionError.launchedWithoutMPIWiring(variable: "SLURM_STEP_NUM_TASKS", tasks: 4).description
        #expect(message.contains("srun --mpi=pmix"))
    }

    @Test func declaredSizeMustMatchMPI() {
        #expect(throws: DistributionError.worldSizeMismatch(variable: "OMPI_COMM_WORLD_SIZE", declared: 2, mpiSize: 1)) {
            try Launch.checkWorldSize(mpiSize: 1, environment: environment(["OMPI_COMM_WORLD_SIZE": "2"]))
        }
        #expect(throws: DistributionError.worldSizeMismatch(variable: "PMI_SIZE", declared: 3, mpiSize: 1)) {
            try Launch.checkWorldSize(mpiSize: 1, environment: environment(["PMI_SIZE": "3"]))
        }
        #expect(throws: DistributionError.worldSizeMismatch(variable: "SLURM_STEP_NUM_TASKS", declared: 4, mpiSize: 1)) {
            try Launch.checkWorldSize(mpiSize: 1, environment: environment(["PMIX_RANK": "0", "SLURM_STEP_NUM_TASKS": "4"]))
        }
    }

    @Test func launcherSizeTakesPrecedenceOverSlurm() throws {
        // mpirun inside an allocation: the ranks inherit the Slurm step of mpirun's daemons.
        try Launch.checkWorldSize(mpiSize: 2, environment: environment(["OMPI_COMM_WORLD_SIZE": "2", "SLURM_STEP_NUM_TASKS": "1"]))
        try Launch.checkWorldSize(mpiSize: 2, environment: environment(["SLURM_STEP_NUM_TASKS": "2"]))
    }
}
