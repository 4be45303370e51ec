import Distribution
import LearningRules
import RealNumerics

/// Everything that determines the rest of a run: weights, optimizer state and the position in
/// the schedule. Saving it and restoring it resumes a run bit for bit (the data order is a
/// pure function of the seed and the epoch).
public struct TrainingState<F: RealScalar>: Equatable, Sendable {
    public var parameters: NetworkParameters<F>
    public var optimizer: Optimizer<F>
    /// Position in the schedule; `epochTotals` are this rank's running loss sum, correct count
    /// and sample count within the epoch (all ranks' sums in a saved checkpoint).
    public var progress = TrainingProgress(epoch: 0, batch: 0, step: 0, epochTotals: [0, 0, 0])

    public init(parameters: NetworkParameters<F>, optimizer: Optimizer<F>) {
        self.parameters = parameters
        self.optimizer = optimizer
    }

    /// Makes every rank's state equal to `root`'s (weights, moments, position). The epoch
    /// totals of a resumed checkpoint are all ranks' sums: `root` keeps them, the others
    /// restart from zero, so the next all-reduce gives the right totals.
    mutating func broadcast(from root: Int, over comm: any Communicator) {
        comm.broadcast(generic: &parameters.values, root: root)
        comm.broadcast(generic: &optimizer.firstMoment, root: root)
        comm.broadcast(generic: &optimizer.secondMoment, root: root)
        var position = [UInt64(optimizer.step), UInt64(progress.epoch), UInt64(progress.batch), UInt64(progress.step)]
        comm.broadcast(&position, root: root)
        optimizer.step = Int(position[0])
        progress = TrainingProgress(epoch: Int(position[1]), batch: Int(position[2]), step: Int(position[3]),
                                    epochTotals: comm.rank == root && progress.epochTotals.count == 3 ? progress.epochTotals : [0, 0, 0])
    }
}
