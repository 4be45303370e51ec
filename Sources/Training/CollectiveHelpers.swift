import Distribution
import RealNumerics

extension Communicator {
    /// In-place sum over ranks of a buffer in the training precision.
    func allReduceSum<F: RealScalar>(generic buffer: inout [F]) {
        if var floats = buffer as? [Float] {
            allReduceSum(&floats)
            buffer = floats as! [F]
        } else if var doubles = buffer as? [Double] {
            allReduceSum(&doubles)
            buffer = doubles as! [F]
        } else {
            preconditionFailure("no collective for \(F.self)")
        }
    }

    /// Copies rank `root`'s buffer to every rank, in the training precision.
    func broadcast<F: RealScalar>(generic buffer: inout [F], root: Int) {
        if var floats = buffer as? [Float] {
            broadcast(&floats, root: root)
            buffer = floats as! [F]
        } else if var doubles = buffer as? [Double] {
            broadcast(&doubles, root: root)
            buffer = doubles as! [F]
        } else {
            preconditionFailure("no collective for \(F.self)")
        }
    }
}
