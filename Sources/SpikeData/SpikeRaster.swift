/// The spikes of one sample binned into T time steps: for each step, the input channels
/// that fired (binary input; a channel appears at most once per step).
///
/// Stored as compressed rows (CSR): `offsets[t] ..< offsets[t+1]` indexes `channels` for
/// step t, so memory is proportional to the number of spikes (2 bytes each: channels are
/// 16-bit, like the SHD format's units), and the engine touches only active inputs
/// (event-driven).
public struct SpikeRaster: Sendable, Equatable, Hashable {
    /// T, the number of time steps.
    public let steps: Int
    /// The number of input channels (1 ... `maximumChannelCount`); every index is below it.
    public let channelCount: Int
    /// T + 1 row starts into `channels`.
    public let offsets: [Int32]
    /// Active channel indices, sorted within each step.
    public let channels: [UInt16]

    /// The most channels a raster can index (16-bit channel numbers).
    public static let maximumChannelCount = 65_536

    /// A raster from per-step lists of active channels (duplicates within a step are merged).
    public init(channelCount: Int, activePerStep: [[Int]]) {
        precondition((1...Self.maximumChannelCount).contains(channelCount), "a raster has 1 ... 65536 channels, not \(channelCount)")
        var offsets: [Int32] = [0]
        var channels: [UInt16] = []
        offsets.reserveCapacity(activePerStep.count + 1)
        for step in activePerStep {
            var previous = -1
            for c in step.sorted() where c != previous {
                precondition((0..<channelCount).contains(c), "channel \(c) outside 0..<\(channelCount)")
                channels.append(UInt16(c))
                previous = c
            }
            offsets.append(Int32(channels.count))
        }
        self.init(steps: activePerStep.count, channelCount: channelCount, offsets: offsets, channels: channels)
    }

    /// A raster from already-compressed rows; `offsets` must be non-decreasing from 0 with
    /// `steps + 1` entries, and every channel must be below `channelCount`.
    public init(steps: Int, channelCount: Int, offsets: [Int32], channels: [UInt16]) {
        precondition((1...Self.maximumChannelCount).contains(channelCount), "a raster has 1 ... 65536 channels, not \(channelCount)")
        precondition(offsets.count == steps + 1 && offsets.first == 0 && Int(offsets.last!) == channels.count,
                     "raster offsets do not describe \(steps) steps")
        self.steps = steps
        self.channelCount = channelCount
        self.offsets = offsets
        self.channels = channels
    }

    /// The channels active at step t.
    @inlinable
    public func active(at t: Int) -> ArraySlice<UInt16> {
        channels[Int(offsets[t])..<Int(offsets[t + 1])]
    }

    /// The total number of spikes.
    public var spikeCount: Int { channels.count }
}

/// A labelled set of samples with a common shape: rasters read from an SHD-layout file or
/// encoded from audio, or generated spike streams.
public struct SpikeDataset: Sendable {
    public var samples: [any SpikeSource]
    public var labels: [Int]
    /// C; every label is below it.
    public var classCount: Int
    /// Names of the classes (e.g. "zero", "null"), `classCount` of them.
    public var classNames: [String]

    public init(samples: [any SpikeSource], labels: [Int], classCount: Int, classNames: [String]? = nil) {
        precondition(samples.count == labels.count, "one label per sample")
        precondition(labels.allSatisfy { (0..<classCount).contains($0) }, "labels must lie in 0..<classCount")
        if let first = samples.first {
            precondition(samples.allSatisfy { $0.steps == first.steps && $0.channelCount == first.channelCount },
                         "all samples of a dataset share T and the channel count")
        }
        self.samples = samples
        self.labels = labels
        self.classCount = classCount
        self.classNames = classNames ?? (0..<classCount).map { "class \($0)" }
    }

    public var count: Int { samples.count }
    /// T (0 for an empty dataset).
    public var steps: Int { samples.first?.steps ?? 0 }
    /// The number of input channels (0 for an empty dataset).
    public var channelCount: Int { samples.first?.channelCount ?? 0 }

    /// The samples at `indices`, in that order.
    public func batch(_ indices: some Collection<Int>) -> SpikeBatch {
        SpikeBatch(samples: indices.map { samples[$0] }, labels: indices.map { labels[$0] })
    }
}

/// The samples one rank processes in one update.
public struct SpikeBatch: Sendable {
    public var samples: [any SpikeSource]
    public var labels: [Int]
    public init(samples: [any SpikeSource], labels: [Int]) {
        precondition(samples.count == labels.count, "one label per sample")
        self.samples = samples
        self.labels = labels
    }
    public var count: Int { samples.count }
}
