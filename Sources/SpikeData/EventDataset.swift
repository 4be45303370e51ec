/// Unbinned spike events of one sample, as stored in SHD/SSC files: spike times in seconds
/// and the channel ("unit") of each spike, equal lengths, times non-decreasing.
public struct SpikeEvents: Sendable, Equatable {
    public var times: [Float]
    public var units: [UInt16]
    public init(times: [Float], units: [UInt16]) {
        precondition(times.count == units.count, "one unit per spike time")
        self.times = times
        self.units = units
    }
}

/// A labelled set of event samples in the SHD layout: what `SpikeFiles` reads and writes and
/// what the audio front end produces.
public struct EventDataset: Sendable, Equatable {
    public var samples: [SpikeEvents]
    /// Class index per sample, below `classNames.count`.
    public var labels: [Int]
    /// Speaker index per sample (SHD's `extra/speaker`).
    public var speakers: [Int]
    /// One name per class (SHD's `extra/keys`).
    public var classNames: [String]
    /// Number of input channels (700 for SHD/SSC); every unit is below it.
    public var channelCount: Int

    public init(samples: [SpikeEvents], labels: [Int], speakers: [Int], classNames: [String], channelCount: Int) {
        precondition(samples.count == labels.count && samples.count == speakers.count, "one label and speaker per sample")
        self.samples = samples
        self.labels = labels
        self.speakers = speakers
        self.classNames = classNames
        self.channelCount = channelCount
    }

    public var count: Int { samples.count }

    /// Bins every sample into `steps` steps over [0, `maxTime`) seconds (spikes at or after
    /// `maxTime` are dropped, as common SHD loaders do) and merges each group of `pooling`
    /// adjacent channels into one (700 → 350 for 2, …; a trailing partial group is kept).
    public func binned(steps: Int, maxTime: Double = 1.4, pooling: Int = 1) -> SpikeDataset {
        let binning = Binning(steps: steps, maxTime: maxTime, pooling: pooling)
        return SpikeDataset(samples: samples.map { binning.raster($0, channelCount: channelCount) }, labels: labels,
                            classCount: classNames.count, classNames: classNames)
    }
}

/// How spike events become a raster: `steps` bins over [0, `maxTime`) seconds, and groups of
/// `pooling` adjacent channels merged into one.
public struct Binning: Sendable, Equatable {
    public var steps: Int
    /// Seconds; spikes at or after it are dropped.
    public var maxTime: Double
    public var pooling: Int

    public init(steps: Int, maxTime: Double = 1.4, pooling: Int = 1) {
        precondition(steps > 0 && maxTime > 0 && pooling > 0, "binning needs positive steps, max time and pooling")
        self.steps = steps
        self.maxTime = maxTime
        self.pooling = pooling
    }

    /// The channels after pooling `channelCount` (a trailing partial group is kept).
    public func pooledChannelCount(_ channelCount: Int) -> Int { (channelCount + pooling - 1) / pooling }

    /// The raster of one sample whose units lie below `channelCount`.
    public func raster(_ events: SpikeEvents, channelCount: Int) -> SpikeRaster {
        var active = [[Int]](repeating: [], count: steps)
        for (time, unit) in zip(events.times, events.units) {
            let bin = Int((Double(time) / maxTime * Double(steps)).rounded(.down))
            guard bin >= 0, bin < steps else { continue }
            active[bin].append(Int(unit) / pooling)
        }
        return SpikeRaster(channelCount: pooledChannelCount(channelCount), activePerStep: active)
    }
}
