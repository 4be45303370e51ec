import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM; the trainer finishes the current update, writes a final checkpoint
/// and returns. (`mpirun` forwards both signals to every rank; the ranks then agree on the
/// step to stop at through an all-reduce, so they never stop at different updates.)
private let stopRequested = Atomic<Bool>(false)

public enum StopSignal {
    /// Routes SIGINT and SIGTERM to the stop flag instead of terminating the process.
    /// Also unblocks both signals: a parent may have started this process with them blocked
    /// (the mask is inherited; e.g. a test runner's threads), which would make them pending forever.
    public static func install() {
        signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    /// Whether a stop was requested on this process.
    public static var isRequested: Bool { stopRequested.load(ordering: .relaxed) }

    /// Clears the flag (tests).
    public static func reset() { stopRequested.store(false, ordering: .relaxed) }

    /// Requests a stop as a signal would (tests, and embedding programs).
    public static func request() { stopRequested.store(true, ordering: .relaxed) }
}
