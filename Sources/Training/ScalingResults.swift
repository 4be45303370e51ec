import Foundation
import LearningRules

/// What one rank measured at a scaling point.
public struct ScalingRankMeasurement: Codable, Sendable, Equatable {
    public var rank: Int
    /// VmHWM at the end of the point: the process's peak resident set, start-up included.
    public var peakResidentBytes: Int
    /// VmRSS after MPI initialisation, before any data: the runtime floor.
    public var startupResidentBytes: Int
    /// VmRSS after the input sources were made.
    public var afterDataResidentBytes: Int
    /// Bytes the rank's input sources hold (`SpikeSource.storageBytes`).
    public var inputBytes: Int
    /// Mean wall seconds of one update on this rank (gradient, all-reduce, optimizer) over the
    /// updates after the first, which also faults in fresh buffers (the only one if there is
    /// one update).
    public var stepSeconds: Double
    /// Global samples per second as this rank timed them (global batch / step time).
    public var samplesPerSecond: Double
    /// Seconds this rank spent in the gradient all-reduce, over all updates.
    public var allReduceSeconds: Double
    /// The estimator's own byte accounting on this rank.
    public var memory: MemoryAccount

    public init(rank: Int, peakResidentBytes: Int, startupResidentBytes: Int, afterDataResidentBytes: Int, inputBytes: Int,
                stepSeconds: Double, samplesPerSecond: Double, allReduceSeconds: Double, memory: MemoryAccount) {
        self.rank = rank
        self.peakResidentBytes = peakResidentBytes
        self.startupResidentBytes = startupResidentBytes
        self.afterDataResidentBytes = afterDataResidentBytes
        self.inputBytes = inputBytes
        self.stepSeconds = stepSeconds
        self.samplesPerSecond = samplesPerSecond
        self.allReduceSeconds = allReduceSeconds
        self.memory = memory
    }

    enum CodingKeys: String, CodingKey {
        case rank, memory
        case peakResidentBytes = "peak_rss_bytes"
        case startupResidentBytes = "startup_rss_bytes"
        case afterDataResidentBytes = "after_data_rss_bytes"
        case inputBytes = "input_bytes"
        case stepSeconds = "step_seconds"
        case samplesPerSecond = "samples_per_second"
        case allReduceSeconds = "allreduce_seconds"
    }

    /// The values in the order `ScalingRankMeasurement(gathered:)` reads them (for `gather`).
    var gatherValues: [Double] {
        [Double(rank), Double(peakResidentBytes), Double(startupResidentBytes), Double(afterDataResidentBytes), Double(inputBytes),
         stepSeconds, samplesPerSecond, allReduceSeconds,
         Double(memory.traces), Double(memory.trajectory), Double(memory.networkState), Double(memory.buffers)]
    }
    static let gatherCount = 12

    init(gathered v: ArraySlice<Double>) {
        let v = Array(v)
        self.init(rank: Int(v[0]), peakResidentBytes: Int(v[1]), startupResidentBytes: Int(v[2]), afterDataResidentBytes: Int(v[3]),
                  inputBytes: Int(v[4]), stepSeconds: v[5], samplesPerSecond: v[6], allReduceSeconds: v[7],
                  memory: MemoryAccount(traces: Int(v[8]), trajectory: Int(v[9]), networkState: Int(v[10]), buffers: Int(v[11])))
    }
}

/// Every rank's measurements at one point (what rank 0 of the point's process group prints).
public struct ScalingPointMeasurement: Codable, Sendable, Equatable {
    public var point: ScalingPoint
    /// Updates the trainer ran.
    public var updates: Int
    /// e-prop took the factorised path (nil for BPTT).
    public var factorised: Bool?
    /// Seconds from start-up to the end of training on rank 0 (data generation included).
    public var wallSeconds: Double
    public var ranks: [ScalingRankMeasurement]

    enum CodingKeys: String, CodingKey {
        case point, updates, factorised, ranks
        case wallSeconds = "wall_seconds"
    }

    /// The largest peak over the ranks (what the machine must provide per rank).
    public var peakResidentBytes: Int { ranks.map(\.peakResidentBytes).max() ?? 0 }
    /// Global samples per second: the global batch over the slowest rank's step time.
    public var samplesPerSecond: Double {
        Double(point.globalBatch) / max(ranks.map(\.stepSeconds).max() ?? 0, 1e-12)
    }
}

/// The outcome of one point in a sweep.
public struct ScalingPointResult: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case ok, skipped, failed }
    public var point: ScalingPoint
    public var status: Status
    /// Why a point was skipped or failed.
    public var message: String?
    public var prediction: ScalingMemoryPrediction
    /// The runtime floor the skip decision assumed per rank (measured by earlier points, or
    /// the default before any).
    public var assumedRuntimeBytes: Int
    public var measurement: ScalingPointMeasurement?
    /// Seconds the point took in the parent, launch included.
    public var launchSeconds: Double?
    /// The machine's 1-minute load average just before the point started (other processes
    /// competing for the CPU slow its steps, never its memory).
    public var loadAverage: Double?

    public init(point: ScalingPoint, status: Status, message: String? = nil, prediction: ScalingMemoryPrediction, assumedRuntimeBytes: Int,
                measurement: ScalingPointMeasurement? = nil, launchSeconds: Double? = nil) {
        self.point = point
        self.status = status
        self.message = message
        self.prediction = prediction
        self.assumedRuntimeBytes = assumedRuntimeBytes
        self.measurement = measurement
        self.launchSeconds = launchSeconds
    }

    enum CodingKeys: String, CodingKey {
        case point, status, message, prediction, measurement
        case assumedRuntimeBytes = "assumed_runtime_bytes"
        case launchSeconds = "launch_seconds"
        case loadAverage = "load_average"
    }

    /// The predicted peak of rank `rank` over that rank's measured runtime floor (or the
    /// assumed one when nothing was measured).
    public func predictedPeak(rank: Int) -> Int {
        let runtime = measurement?.ranks.first(where: { $0.rank == rank })?.startupResidentBytes ?? assumedRuntimeBytes
        return prediction.total(runtime: runtime)
    }
}
