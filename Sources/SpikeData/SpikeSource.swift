import RealNumerics

/// One sample's input spikes, delivered one time step at a time.
///
/// The engine asks for step t's active channels when it runs step t, so a source may hold its
/// spikes (`SpikeRaster`, what files and the audio front end give) or make them when asked
/// (`BernoulliSpikes`, a stream like a sensor's). With a streamed source nothing that grows
/// with T is held anywhere in the process, which is what online learning promises.
public protocol SpikeSource: Sendable {
    /// T, the number of time steps.
    var steps: Int { get }
    /// The number of input channels; every active channel is below it.
    var channelCount: Int { get }
    /// Writes the channels active at step t (0 ≤ t < `steps`), ascending and distinct, to
    /// `buffer` (room for `channelCount` entries) and returns their number.
    ///
    /// A pure function of t: steps may be asked for in any order and any number of times
    /// (e-prop runs a block of one sample's steps at a time, BPTT all steps, evaluation again).
    func writeActive(at t: Int, to buffer: UnsafeMutablePointer<Int32>) -> Int
    /// The bytes the source keeps in memory (array capacities included).
    var storageBytes: Int { get }
    /// The total number of spikes over all steps.
    var spikeCount: Int { get }
}

extension SpikeSource {
    /// Counts by delivering every step: O(T·channelCount) for a generated source.
    public var spikeCount: Int {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: channelCount) { buffer in
            (0..<steps).reduce(0) { $0 + writeActive(at: $1, to: buffer.baseAddress!) }
        }
    }
}

extension SpikeRaster: SpikeSource {
    @inlinable
    public func writeActive(at t: Int, to buffer: UnsafeMutablePointer<Int32>) -> Int {
        let start = Int(offsets[t]), end = Int(offsets[t + 1])
        channels.withUnsafeBufferPointer { source in
            for n in start..<end { buffer[n - start] = Int32(source[n]) }
        }
        return end - start
    }

    public var storageBytes: Int {
        offsets.capacity * MemoryLayout<Int32>.stride + channels.capacity * MemoryLayout<UInt16>.stride
    }

    /// The spikes of `source`, held: arrays of exactly the capacity they need.
    public init(recording source: some SpikeSource) {
        if let raster = source as? SpikeRaster {
            self = raster
            return
        }
        precondition(source.channelCount <= Self.maximumChannelCount, "a raster has at most 65536 channels, not \(source.channelCount)")
        var offsets = [Int32](), channels = [UInt16]()
        offsets.reserveCapacity(source.steps + 1)
        offsets.append(0)
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: source.channelCount) { buffer in
            for t in 0..<source.steps {
                let count = source.writeActive(at: t, to: buffer.baseAddress!)
                channels.append(contentsOf: buffer[..<count].lazy.map { UInt16($0) })
                offsets.append(Int32(channels.count))
            }
        }
        let exact = [UInt16](unsafeUninitializedCapacity: channels.count) { copy, initialized in
            initialized = copy.initialize(from: channels).1
        }
        self.init(steps: source.steps, channelCount: source.channelCount, offsets: offsets, channels: exact)
    }
}

/// Independent Bernoulli input spikes: each channel fires at each step with probability
/// `rate`, made when asked, never stored (the workload of benchmarks and the memory harness;
/// SHD-shaped with 700 channels).
///
/// Step t of sample `sample` is a pure function of (`seed`, `sample`, t): a SplitMix64
/// sequence started at a hash of the three draws the gaps between spikes from the geometric
/// distribution (one logarithm per spike, not one draw per channel), so generating a step
/// costs O(1 + channelCount·rate) and the source holds a few words whatever T is.
public struct BernoulliSpikes: SpikeSource, Hashable {
    public let steps: Int
    public let channelCount: Int
    /// The probability of a spike per channel and step, in [0, 1].
    public let rate: Double
    public let seed: UInt64
    /// Which sample of the seed's stream this is.
    public let sample: UInt64
    /// 1 / log(1 − rate), the gap sampler's scale (0 when rate is 0 or 1).
    @usableFromInline let gapScale: Double

    public init(steps: Int, channelCount: Int, rate: Double, seed: UInt64, sample: UInt64) {
        precondition(steps >= 0 && channelCount > 0, "a spike source needs steps ≥ 0 and at least one channel")
        precondition((0...1).contains(rate), "a spike probability lies in [0, 1]")
        self.steps = steps
        self.channelCount = channelCount
        self.rate = rate
        self.seed = seed
        self.sample = sample
        gapScale = rate > 0 && rate < 1 ? 1 / Double.log(1 - rate) : 0
    }

    public var storageBytes: Int { MemoryLayout<Self>.stride }

    public func writeActive(at t: Int, to buffer: UnsafeMutablePointer<Int32>) -> Int {
        precondition((0..<steps).contains(t), "step \(t) outside 0..<\(steps)")
        if rate == 0 { return 0 }
        if rate == 1 {
            for c in 0..<channelCount { buffer[c] = Int32(c) }
            return channelCount
        }
        // Each step starts at a hashed point of the SplitMix64 sequence: nearby keys start far
        // apart, so the few dozen draws of different steps and samples do not overlap.
        func mix(_ x: UInt64) -> UInt64 {
            var x = x
            return Xoshiro256.splitMix64(&x)
        }
        var counter = mix(mix(mix(seed) ^ sample) ^ UInt64(t))
        var count = 0, channel = -1
        while true {
            // P(gap = g) = (1 − rate)^g · rate: the channels skipped before the next spike.
            let u = 1 - Double(Xoshiro256.splitMix64(&counter) >> 11) * 0x1.0p-53   // (0, 1]
            let gap = (Double.log(u) * gapScale).rounded(.down)
            guard gap < Double(channelCount - 1 - channel) else { return count }
            channel += 1 + Int(gap)
            buffer[count] = Int32(channel)
            count += 1
        }
    }
}
