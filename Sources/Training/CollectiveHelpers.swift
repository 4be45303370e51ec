import Distribution
import RealNumerics

extension Communicator {
    /// In-place sum over ranks of a buffer in the training precision.
    func allReduceSum<F: RealScalar>(generic buffer: inout [F]) {
        withConcreteBuffer(&buffer, float: { allReduceSum(&$0) }, double: { allReduceSum(&$0) })
    }

    /// Copies rank `root`'s buffer to every rank, in the training precision.
    func broadcast<F: RealScalar>(generic buffer: inout [F], root: Int) {
        withConcreteBuffer(&buffer, float: { broadcast(&$0, root: root) }, double: { broadcast(&$0, root: root) })
    }
}

/// Runs the `Float` or `Double` body on `buffer` as the concrete array type it is, without a
/// copy: an `as? [Float]` cast of a generic array converts element by element (~10 ms for a
/// 180k-parameter gradient, as long as the whole all-reduce), a bit cast is O(1).
private func withConcreteBuffer<F: RealScalar>(_ buffer: inout [F], float: (inout [Float]) -> Void, double: (inout [Double]) -> Void) {
    if F.self == Float.self {
        var floats = unsafeBitCast(buffer, to: [Float].self)
        buffer = []  // drop the second reference so `floats` stays uniquely owned (no copy on write)
        float(&floats)
        buffer = unsafeBitCast(floats, to: [F].self)
    } else if F.self == Double.self {
        var doubles = unsafeBitCast(buffer, to: [Double].self)
        buffer = []
        double(&doubles)
        buffer = unsafeBitCast(doubles, to: [F].self)
    } else {
        preconditionFailure("no collective for \(F.self)")
    }
}
