#if canImport(Glibc)
import Glibc
#endif

/// `Communicator` for a world of one rank, without MPI: the single-node debug mode and
/// tests. Every collective leaves the data as it is (the reduction over one rank is the
/// identity); roots other than 0 are programmer errors.
public final class LocalCommunicator: Communicator {
    public let rank = 0
    public let size = 1
    /// Always 0: nothing is communicated, so no time is spent waiting.
    public let allReduceSeconds: Double = 0
    public private(set) var allReduceCount: Int = 0

    public init() {}

    public func allReduceSum(_ buffer: inout [Float]) { allReduceCount += 1 }
    public func allReduceSum(_ buffer: inout [Double]) { allReduceCount += 1 }
    public func allReduceMax(_ buffer: inout [Double]) { allReduceCount += 1 }

    public func broadcast(_ buffer: inout [Float], root: Int) { checkRoot(root) }
    public func broadcast(_ buffer: inout [Double], root: Int) { checkRoot(root) }
    public func broadcast(_ buffer: inout [UInt64], root: Int) { checkRoot(root) }

    public func gather(_ values: [Double], root: Int) -> [Double] {
        checkRoot(root)
        return values
    }

    public func barrier() {}

    /// Prints "rank 0: message" on stderr and exits the process with `code`.
    public func abort(code: Int32, message: String) -> Never {
        fflush(nil)
        writeToStandardError("rank 0: \(message)\n")
        exit(code)
    }

    private func checkRoot(_ root: Int) {
        precondition(root == 0, "root \(root) outside 0..<1")
    }
}
