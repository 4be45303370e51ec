#if canImport(Glibc)
import Glibc
#endif

/// Chooses the communicator for how this process was started.
public enum Launch {
    /// Environment variables through which a launcher passes MPI its wiring: `mpirun`
    /// (Open MPI), `srun --mpi=pmix` (PMIx) and PMI-1/PMI-2 launchers. Their presence only
    /// selects MPI; rank and size are always asked from MPI.
    public static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"]

    /// `MPICommunicator` if a launcher started this process (one of `launcherVariables` is
    /// set), otherwise `LocalCommunicator`: the single-node debug mode runs without mpirun.
    /// - Throws: `DistributionError` if MPI fails to initialise, or if the environment
    ///   shows a multi-process launch that MPI does not see (e.g. `srun` without
    ///   `--mpi=pmix`), which would otherwise train P independent copies silently.
    public static func makeCommunicator() throws(DistributionError) -> any Communicator {
        try makeCommunicator(environment: { name in getenv(name).map { String(cString: $0) } })
    }

    /// `makeCommunicator()` with the environment lookup injected, for tests.
    static func makeCommunicator(
        environment: (String) -> String?
    ) throws(DistributionError) -> any Communicator {
        if launcherVariables.contains(where: { environment($0) != nil }) {
            let communicator = try MPICommunicator()
            try checkWorldSize(mpiSize: communicator.size, environment: environment)
            return communicator
        }
        if let (variable, tasks) = slurmStepTasks(environment), tasks > 1 {
            throw .launchedWithoutMPIWiring(variable: variable, tasks: tasks)
        }
        return LocalCommunicator()
    }

    /// Throws `worldSizeMismatch` if the launcher declared a process count other than
    /// `mpiSize`. The launcher's own variables take precedence over Slurm's, because
    /// `mpirun` inside a Slurm allocation inherits Slurm variables describing its daemons.
    static func checkWorldSize(
        mpiSize: Int, environment: (String) -> String?
    ) throws(DistributionError) {
        for variable in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"] {
            if let declared = environment(variable).flatMap({ Int($0) }) {
                if declared != mpiSize {
                    throw .worldSizeMismatch(variable: variable, declared: declared, mpiSize: mpiSize)
                }
                return
            }
        }
        if let (variable, tasks) = slurmStepTasks(environment), tasks != mpiSize {
            throw .worldSizeMismatch(variable: variable, declared: tasks, mpiSize: mpiSize)
        }
    }

    /// The task count of the enclosing `srun` step. `SLURM_STEP_NUM_TASKS` is set by srun
    /// only; `SLURM_NTASKS` is deliberately not used, because a batch script running one
    /// process inside an `sbatch -n 4` allocation also carries SLURM_NTASKS=4.
    private static func slurmStepTasks(_ environment: (String) -> String?) -> (String, Int)? {
        let variable = "SLURM_STEP_NUM_TASKS"
        return environment(variable).flatMap { Int($0) }.map { (variable, $0) }
    }
}
