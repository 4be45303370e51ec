/// Runs `body`, which may fail on some ranks only (e.g. reading this rank's data shard),
/// and turns a thrown error into the end of the whole job: `comm.abort` with exit code 1
/// and the message "rank R: <activity> failed: <error>".
///
/// Without this, a rank that throws would leave while the others wait forever in their
/// next collective. Ranks that succeed continue and are killed by the abort.
public func runCollectively<T>(
    _ comm: any Communicator, _ activity: String, _ body: () throws -> T
) -> T {
    do {
        return try body()
    } catch {
        comm.abort(code: 1, message: "\(activity) failed: \(error)")
    }
}
