import Distribution
import Foundation
import SpikeData

/// Runs one scaling point on the ranks of `communicator` (all ranks call it): trains
/// `point.updates` updates of one global batch of streamed Bernoulli input spikes (the same
/// on every rank; each rank trains on its slice) with the normal trainer (`Training.train`, an
/// in-memory config), and gathers every rank's peak resident memory, step and all-reduce time
/// and the estimator's byte account. Returns the measurements on rank 0 and nil elsewhere.
///
/// The input is streamed (`BernoulliSpikes`): each step's spikes are made when the engine
/// runs that step, as a sensor would deliver them, so the process holds nothing that grows
/// with T unless the method does (BPTT's trajectory). The test set is the batch's first sample.
public func runScalingPoint(_ point: ScalingPoint, communicator comm: any Communicator) throws -> ScalingPointMeasurement? {
    guard comm.size == point.ranks else {
        throw TrainingError("the point asks for \(point.ranks) rank(s) but runs on \(comm.size); launch it with mpirun -np \(point.ranks)")
    }
    let start = Date()
    let startup = ResourceUsage.currentResidentBytes()
    let train = bernoulliDataset(count: point.globalBatch, inputs: point.inputs, steps: point.steps, classes: point.classes,
                                 rate: point.rate, seed: point.seed, streamed: true)
    let test = SpikeDataset(samples: [train.samples[0]], labels: [train.labels[0]], classCount: train.classCount)
    let afterData = ResourceUsage.currentResidentBytes()
    let config = point.trainingConfig
    try config.validate()
    let summary = try Training.train(config: config, train: train, test: test, options: TrainOptions(verbose: false), communicator: comm)
    let mine = ScalingRankMeasurement(
        rank: comm.rank, peakResidentBytes: ResourceUsage.peakResidentBytes(), startupResidentBytes: startup, afterDataResidentBytes: afterData,
        inputBytes: ScalingMemoryModel.inputBytes(of: train), stepSeconds: summary.steadyStepSeconds,
        samplesPerSecond: Double(point.globalBatch) / max(summary.steadyStepSeconds, 1e-12),
        allReduceSeconds: summary.allReduceSeconds, memory: summary.memory)
    let gathered = comm.gather(mine.gatherValues, root: 0)
    guard comm.isRoot else { return nil }
    let n = ScalingRankMeasurement.gatherCount
    let ranks = (0..<comm.size).map { ScalingRankMeasurement(gathered: gathered[($0 * n)..<(($0 + 1) * n)]) }
    let factorised = point.method == "bptt" ? nil : try ScalingMemoryModel.modelTraits(point).factorised
    return ScalingPointMeasurement(point: point, updates: summary.steps, factorised: factorised,
                                   wallSeconds: Date().timeIntervalSince(start), ranks: ranks)
}

/// The line prefix under which a point process prints its measurements (one JSON object).
public let scalingPointOutputPrefix = "SCALING_POINT "

extension ScalingPointMeasurement {
    /// One line: the prefix and the measurement as JSON.
    public var outputLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return scalingPointOutputPrefix + String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// The measurement in a point process's output, or nil if no line carries one.
    public static func parse(output: String) -> ScalingPointMeasurement? {
        for line in output.split(separator: "\n").reversed() where line.hasPrefix(scalingPointOutputPrefix) {
            if let value = try? JSONDecoder().decode(ScalingPointMeasurement.self, from: Data(line.dropFirst(scalingPointOutputPrefix.count).utf8)) {
                return value
            }
        }
        return nil
    }
}
