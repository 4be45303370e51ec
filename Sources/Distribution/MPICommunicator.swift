import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// `Communicator` over Open MPI's `MPI_COMM_WORLD`.
///
/// MPI is initialised once per process, on the first `init()`, at thread level
/// `MPI_THREAD_SERIALIZED`: any thread may call collectives, one call at a time (the class
/// is not thread-safe; its owner serialises calls). MPI is finalized automatically at
/// normal process exit. Rank and size come from MPI, never from the environment.
///
/// A failing MPI call ends the whole job through `abort(code: 1, ...)` with a message
/// naming the operation: collectives cannot be retried once ranks disagree.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    public private(set) var allReduceSeconds: Double = 0
    public private(set) var allReduceCount: Int = 0

    /// Joins `MPI_COMM_WORLD`, initialising MPI for this process if needed. Without a
    /// launcher, Open MPI's singleton init gives rank 0 of 1.
    /// - Throws: `DistributionError` if MPI cannot be initialised or lacks thread support.
    public init() throws(DistributionError) {
        try Self.processInitialization.get()
        var rank: Int32 = 0
        var size: Int32 = 0
        // With MPI_ERRORS_RETURN installed these cannot abort inside the library; a failure
        // here means a broken MPI installation, which the thrown message should name.
        var code = MPI_Comm_rank(cmpi_comm_world(), &rank)
        if code == MPI_SUCCESS { code = MPI_Comm_size(cmpi_comm_world(), &size) }
        guard code == MPI_SUCCESS else {
            throw .mpiInitializationFailed(detail: "MPI_Comm_rank/size: \(mpiErrorString(code))")
        }
        self.rank = Int(rank)
        self.size = Int(size)
    }

    /// The outcome of this process's one MPI initialisation. A `static let` is initialised
    /// exactly once, thread-safely, which is the "once per process" MPI requires.
    private static let processInitialization: Result<Void, DistributionError> = initializeProcess()

    private static func initializeProcess() -> Result<Void, DistributionError> {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if finalized != 0 { return .failure(.mpiAlreadyFinalized) }
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            var provided: Int32 = 0
            let code = MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided)
            guard code == MPI_SUCCESS else {
                return .failure(.mpiInitializationFailed(detail: mpiErrorString(code)))
            }
            // Whoever initialises finalizes. Without MPI_Finalize, mpirun reports that the
            // rank "exited improperly" and the job's exit code becomes 1.
            atexit {
                var finalized: Int32 = 0
                MPI_Finalized(&finalized)
                if finalized == 0 { MPI_Finalize() }
            }
        }
        // Query rather than trust MPI_Init_thread's answer: MPI may have been initialised
        // by other code in this process at a lower level.
        var provided: Int32 = 0
        MPI_Query_thread(&provided)
        guard provided >= Int32(MPI_THREAD_SERIALIZED) else {
            return .failure(.insufficientThreadSupport(provided: Int(provided)))
        }
        // The default handler aborts inside the library with a message that does not say
        // which of our operations failed; returned codes let `check` name it.
        MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return())
        return .success(())
    }

    public func allReduceSum(_ buffer: inout [Float]) {
        allReduceInPlace(&buffer, cmpi_float(), cmpi_op_sum(), "MPI_Allreduce(SUM, Float)")
    }

    public func allReduceSum(_ buffer: inout [Double]) {
        allReduceInPlace(&buffer, cmpi_double(), cmpi_op_sum(), "MPI_Allreduce(SUM, Double)")
    }

    public func allReduceMax(_ buffer: inout [Double]) {
        allReduceInPlace(&buffer, cmpi_double(), cmpi_op_max(), "MPI_Allreduce(MAX, Double)")
    }

    public func broadcast(_ buffer: inout [Float], root: Int) {
        broadcast(&buffer, cmpi_float(), root: root, "MPI_Bcast(Float)")
    }

    public func broadcast(_ buffer: inout [Double], root: Int) {
        broadcast(&buffer, cmpi_double(), root: root, "MPI_Bcast(Double)")
    }

    public func broadcast(_ buffer: inout [UInt64], root: Int) {
        broadcast(&buffer, cmpi_uint64(), root: root, "MPI_Bcast(UInt64)")
    }

    public func gather(_ values: [Double], root: Int) -> [Double] {
        precondition((0..<size).contains(root), "gather root \(root) outside 0..<\(size)")
        // Every rank passes the same count (contract), so all skip together.
        if values.isEmpty { return [] }
        let count = mpiCount(values.count)
        var gathered = [Double](repeating: 0, count: rank == root ? values.count * size : 0)
        let code = values.withUnsafeBufferPointer { send in
            gathered.withUnsafeMutableBufferPointer { receive in
                // The receive buffer is ignored on non-root ranks, so nil is allowed there.
                MPI_Gather(send.baseAddress, count, cmpi_double(),
                           receive.baseAddress, count, cmpi_double(),
                           Int32(root), cmpi_comm_world())
            }
        }
        check(code, "MPI_Gather(Double)")
        return gathered
    }

    public func barrier() {
        check(MPI_Barrier(cmpi_comm_world()), "MPI_Barrier")
    }

    /// Prints "rank R: message" on stderr and ends every rank of the job via `MPI_Abort`
    /// (mpirun then kills the other ranks within seconds and exits with a non-zero code).
    public func abort(code: Int32, message: String) -> Never {
        // MPI_Abort kills without flushing stdio: push out what was printed so far first.
        fflush(nil)
        writeToStandardError("rank \(rank): \(message)\n")
        MPI_Abort(cmpi_comm_world(), code)
        // Open MPI's MPI_Abort does not return; the standard does not promise that.
        exit(code)
    }

    // MARK: - Helpers

    private func allReduceInPlace<Element>(
        _ buffer: inout [Element], _ type: MPI_Datatype, _ op: MPI_Op, _ operation: String
    ) {
        allReduceCount += 1
        // Every rank passes the same count (contract), so all skip together.
        if buffer.isEmpty { return }
        let count = mpiCount(buffer.count)
        let start = MPI_Wtime()
        let code = buffer.withUnsafeMutableBufferPointer { elements in
            MPI_Allreduce(cmpi_in_place(), elements.baseAddress, count, type, op, cmpi_comm_world())
        }
        allReduceSeconds += MPI_Wtime() - start
        check(code, operation)
    }

    private func broadcast<Element>(
        _ buffer: inout [Element], _ type: MPI_Datatype, root: Int, _ operation: String
    ) {
        precondition((0..<size).contains(root), "broadcast root \(root) outside 0..<\(size)")
        if buffer.isEmpty { return }
        let count = mpiCount(buffer.count)
        let code = buffer.withUnsafeMutableBufferPointer { elements in
            MPI_Bcast(elements.baseAddress, count, type, Int32(root), cmpi_comm_world())
        }
        check(code, operation)
    }

    /// MPI counts are C `int`; larger buffers must be split by the caller.
    private func mpiCount(_ count: Int) -> Int32 {
        precondition(count <= Int(Int32.max), "buffer of \(count) elements exceeds MPI's Int32 count")
        return Int32(count)
    }

    private func check(_ code: Int32, _ operation: String) {
        if code != MPI_SUCCESS {
            abort(code: 1, message: "\(operation) failed: \(mpiErrorString(code))")
        }
    }
}

/// Open MPI's text for error code `code`.
private func mpiErrorString(_ code: Int32) -> String {
    var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
    var length: Int32 = 0
    guard MPI_Error_string(code, &text, &length) == MPI_SUCCESS else { return "MPI error code \(code)" }
    return String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        + " (code \(code))"
}
