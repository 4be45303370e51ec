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

    /// The raster of one sample whose units lie below `channelCount`: the spikes ordered by
    /// (bin, channel) with two stable counting sorts (by channel, then by bin), duplicates
    /// merged. O(spikes + T + channels) work (binning runs on every batch with
    /// `data.load: "per_batch"`).
    public func raster(_ events: SpikeEvents, channelCount: Int) -> SpikeRaster {
        let spikes = events.times.count, steps = self.steps, pooling = self.pooling, maxTime = self.maxTime
        let pooled = pooledChannelCount(channelCount)
        var offsets = [Int32](repeating: 0, count: steps + 1)
        var channels = [UInt16](repeating: 0, count: spikes)
        var kept = 0
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * max(spikes, 1) + pooled + 1) { scratch in
            let bins = scratch.baseAddress!, byChannel = bins + spikes, channelStarts = byChannel + spikes
            for c in 0...pooled { channelStarts[c] = 0 }
            offsets.withUnsafeMutableBufferPointer { offsets in
                events.times.withUnsafeBufferPointer { times in
                    events.units.withUnsafeBufferPointer { units in
                        for i in 0..<spikes {
                            // ⌊t / maxTime · T⌋, computed as the definition reads.
                            let bin = (Double(times[i]) / maxTime * Double(steps)).rounded(.down)
                            guard bin >= 0 && bin < Double(steps) else {
                                bins[i] = -1
                                continue
                            }
                            bins[i] = Int32(bin)
                            offsets[Int(bin) + 1] += 1
                            channelStarts[Int(units[i]) / pooling + 1] += 1
                        }
                        // Stable counting sort of the kept spikes by channel…
                        for c in 0..<pooled { channelStarts[c + 1] += channelStarts[c] }
                        for i in 0..<spikes where bins[i] >= 0 {
                            let c = Int(units[i]) / pooling
                            byChannel[Int(channelStarts[c])] = Int32(i)
                            channelStarts[c] += 1
                        }
                        // …then by bin, which leaves every bin's channels ascending.
                        for t in 0..<steps { offsets[t + 1] += offsets[t] }
                        let inRange = Int(offsets[steps])
                        channels.withUnsafeMutableBufferPointer { out in
                            withUnsafeTemporaryAllocation(of: Int32.self, capacity: steps) { next in
                                for t in 0..<steps { next[t] = offsets[t] }
                                for n in 0..<inRange {
                                    let i = Int(byChannel[n]), bin = Int(bins[i])
                                    out[Int(next[bin])] = UInt16(Int(units[i]) / pooling)
                                    next[bin] += 1
                                }
                            }
                            // Merge duplicates within each bin and close the gaps they leave.
                            for t in 0..<steps {
                                let start = Int(offsets[t]), end = Int(offsets[t + 1])
                                offsets[t] = Int32(kept)
                                for n in start..<end where n == start || out[n] != out[n - 1] {
                                    out[kept] = out[n]
                                    kept += 1
                                }
                            }
                            offsets[steps] = Int32(kept)
                        }
                    }
                }
            }
        }
        channels.removeLast(channels.count - kept)
        return SpikeRaster(steps: steps, channelCount: pooledChannelCount(channelCount), offsets: offsets, channels: channels)
    }
}
