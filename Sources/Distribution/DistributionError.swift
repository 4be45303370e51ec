/// Why a communicator could not be set up: problems of the environment or the launch
/// command, never of the caller's code (those are preconditions).
public enum DistributionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `MPI_Init_thread` failed; `detail` is Open MPI's error string.
    case mpiInitializationFailed(detail: String)
    /// MPI was already finalized in this process; the MPI standard forbids initialising twice.
    case mpiAlreadyFinalized
    /// The MPI library provides thread level `provided`, below `MPI_THREAD_SERIALIZED`.
    case insufficientThreadSupport(provided: Int)
    /// The launcher declared `declared` ranks through environment variable `variable`, but
    /// MPI reports a world of `mpiSize`: the processes were started but not wired together.
    case worldSizeMismatch(variable: String, declared: Int, mpiSize: Int)
    /// Slurm started `tasks` tasks (per `variable`) without any MPI launcher variables, so
    /// every task would run alone as rank 0 of 1 and train (and write) independently.
    case launchedWithoutMPIWiring(variable: String, tasks: Int)

    public var description: String {
        switch self {
        case .mpiInitializationFailed(let detail):
            return "MPI initialisation failed: \(detail)"
        case .mpiAlreadyFinalized:
            return "MPI was already finalized in this process and cannot be initialised again"
        case .insufficientThreadSupport(let provided):
            return "the MPI library provides only thread level \(provided); "
                + "MPI_THREAD_SERIALIZED is required"
        case .worldSizeMismatch(let variable, let declared, let mpiSize):
            return "the launcher started \(declared) processes (\(variable)=\(declared)) but MPI "
                + "reports a world of \(mpiSize): the processes are not wired together. Under Slurm "
                + "use `srun --mpi=pmix`; otherwise launch with `mpirun -np \(declared)`"
        case .launchedWithoutMPIWiring(let variable, let tasks):
            return "Slurm started \(tasks) tasks (\(variable)=\(tasks)) without MPI wiring (none of "
                + "\(Launch.launcherVariables.joined(separator: ", ")) is set), so each would train "
                + "alone as rank 0 of 1. Use `srun --mpi=pmix` or `mpirun -np \(tasks)`"
        }
    }
}
