/// The collective operations data-parallel training needs, over P ranks.
///
/// Two implementations: `MPICommunicator` (real Open MPI, under `mpirun`) and
/// `LocalCommunicator` (world size 1: the single-node debug mode and tests). Every rank
/// calls every collective in the same order with the same element count (MPI's rule;
/// violating it is a programmer error that MPI may answer with a hang); a rank that fails
/// calls `abort`, or runs its fallible work inside `runCollectively`.
public protocol Communicator: AnyObject {
    /// This process's rank, 0..<size.
    var rank: Int { get }
    /// P, the number of ranks.
    var size: Int { get }
    /// Element-wise sum over ranks, in place, result on every rank.
    func allReduceSum(_ buffer: inout [Float])
    func allReduceSum(_ buffer: inout [Double])
    /// Element-wise maximum over ranks, in place.
    func allReduceMax(_ buffer: inout [Double])
    /// Copies `root`'s buffer to every rank (all buffers have the same count).
    func broadcast(_ buffer: inout [Float], root: Int)
    func broadcast(_ buffer: inout [Double], root: Int)
    func broadcast(_ buffer: inout [UInt64], root: Int)
    /// Every rank's `values` (same count on each), concatenated in rank order, on `root`
    /// (other ranks get an empty array).
    func gather(_ values: [Double], root: Int) -> [Double]
    func barrier()
    /// Ends the whole job with `code`, after printing `message` on stderr prefixed by the rank.
    func abort(code: Int32, message: String) -> Never
    /// Cumulative wall-clock seconds this rank spent inside `allReduceSum` and `allReduceMax`
    /// since the communicator was created, waiting for slower ranks included (so load
    /// imbalance shows up here). The numerator of "share of step time in the all-reduce".
    var allReduceSeconds: Double { get }
    /// Number of `allReduceSum` and `allReduceMax` calls since the communicator was created.
    var allReduceCount: Int { get }
}

extension Communicator {
    public var isRoot: Bool { rank == 0 }
}
