import RealNumerics
import SpikeData
import Testing

/// Every step of `source`, as the engine receives it.
func deliveredSteps(_ source: some SpikeSource) -> [[Int32]] {
    withUnsafeTemporaryAllocation(of: Int32.self, capacity: source.channelCount) { buffer in
        (0..<source.steps).map { t in Array(buffer[..<source.writeActive(at: t, to: buffer.baseAddress!)]) }
    }
}

@Suite("spike sources: stored rasters and streamed Bernoulli input")
struct SpikeSourceTests {
    @Test("a streamed step is a pure function of (seed, sample, t): asked in any order, any number of times")
    func streamedStepsArePure() {
        let source = BernoulliSpikes(steps: 50, channelCount: 300, rate: 0.05, seed: 9, sample: 4)
        let forward = deliveredSteps(source)
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 300) { buffer in
            for t in (0..<50).reversed() {
                #expect(Array(buffer[..<source.writeActive(at: t, to: buffer.baseAddress!)]) == forward[t])
            }
        }
        #expect(deliveredSteps(BernoulliSpikes(steps: 50, channelCount: 300, rate: 0.05, seed: 9, sample: 4)) == forward)
        #expect(deliveredSteps(BernoulliSpikes(steps: 50, channelCount: 300, rate: 0.05, seed: 9, sample: 5)) != forward)
        #expect(deliveredSteps(BernoulliSpikes(steps: 50, channelCount: 300, rate: 0.05, seed: 10, sample: 4)) != forward)
        #expect(Set(forward).count > 45, "steps differ from each other")
    }

    @Test("streamed channels are ascending, distinct and in range; the spike rate is p per channel and step")
    func streamedStatistics() {
        let channels = 700, steps = 2000, rate = 0.03
        let source = BernoulliSpikes(steps: steps, channelCount: channels, rate: rate, seed: 1, sample: 0)
        var perChannel = [Int](repeating: 0, count: channels)
        for step in deliveredSteps(source) {
            #expect(zip(step, step.dropFirst()).allSatisfy { $0 < $1 })
            #expect(step.allSatisfy { (0..<Int32(channels)).contains($0) })
            for c in step { perChannel[Int(c)] += 1 }
        }
        // Total ~ Binomial(1.4M, 0.03): mean 42,000, sd 202; 2 % is 4 sd.
        let total = perChannel.reduce(0, +), expected = Double(channels * steps) * rate
        #expect(abs(Double(total) - expected) < 0.02 * expected, "\(total) spikes, expected \(expected)")
        #expect(source.spikeCount == total)
        // No channel is favoured: each third of the channels carries a third of the spikes (sd ~ 0.4 %).
        for third in 0..<3 {
            let share = Double(perChannel[(third * channels / 3)..<((third + 1) * channels / 3)].reduce(0, +)) / Double(total)
            #expect(abs(share - 1.0 / 3) < 0.02, "third \(third) carries \(share)")
        }
        // The first and last channel fire too (gaps start before channel 0 and stop at the end).
        #expect(perChannel[0] > 0 && perChannel[channels - 1] > 0)
    }

    @Test("rate 0 gives no spikes and rate 1 every channel")
    func extremeRates() {
        #expect(deliveredSteps(BernoulliSpikes(steps: 5, channelCount: 8, rate: 0, seed: 1, sample: 0)).allSatisfy { $0.isEmpty })
        #expect(deliveredSteps(BernoulliSpikes(steps: 5, channelCount: 8, rate: 1, seed: 1, sample: 0)).allSatisfy { $0 == Array(0..<8) })
    }

    @Test("a streamed source holds the same few bytes at every T; its recording holds T + 1 offsets (4 bytes) and 2 bytes per spike, no slack")
    func storage() {
        let short = BernoulliSpikes(steps: 100, channelCount: 700, rate: 0.03, seed: 1, sample: 0)
        let long = BernoulliSpikes(steps: 5000, channelCount: 700, rate: 0.03, seed: 1, sample: 0)
        #expect(short.storageBytes == long.storageBytes && long.storageBytes <= 64)
        let recorded = SpikeRaster(recording: long)
        // Exact capacities, up to the allocator's rounding (a page for the mmapped spike array).
        let exact = 5001 * 4 + long.spikeCount * 2
        #expect(recorded.storageBytes >= exact && recorded.storageBytes <= exact + 4096 + 64, "\(recorded.storageBytes) bytes for \(exact)")
        #expect(deliveredSteps(recorded) == deliveredSteps(long))
        #expect(recorded.spikeCount == long.spikeCount)
    }

    @Test("a raster delivers its own rows, and recording a raster returns it")
    func rasterDelivery() {
        let raster = SpikeRaster(channelCount: 6, activePerStep: [[3, 1], [], [5, 0, 5]])
        #expect(deliveredSteps(raster) == [[1, 3], [], [0, 5]])
        #expect(SpikeRaster(recording: raster) == raster)
    }

    @Test("streamed and recorded Bernoulli datasets hold the same spikes and labels")
    func datasets() {
        let recorded = bernoulliDataset(count: 4, inputs: 40, steps: 30, classes: 3, rate: 0.1, seed: 2)
        let streamed = bernoulliDataset(count: 4, inputs: 40, steps: 30, classes: 3, rate: 0.1, seed: 2, streamed: true)
        #expect(recorded.labels == streamed.labels && recorded.steps == 30 && streamed.channelCount == 40)
        #expect(recorded.samples.allSatisfy { $0 is SpikeRaster } && streamed.samples.allSatisfy { $0 is BernoulliSpikes })
        for (a, b) in zip(recorded.samples, streamed.samples) {
            #expect(deliveredSteps(a) == deliveredSteps(b))
        }
    }
}

@Suite("binning events into rasters")
struct BinningTests {
    /// The definition: each spike in bin ⌊t / maxTime · T⌋ (dropped outside 0..<T), its unit
    /// divided by the pooling; a bin's channels sorted, duplicates merged.
    func reference(_ events: SpikeEvents, _ binning: Binning, channelCount: Int) -> SpikeRaster {
        var active = [[Int]](repeating: [], count: binning.steps)
        for (time, unit) in zip(events.times, events.units) {
            let bin = Int((Double(time) / binning.maxTime * Double(binning.steps)).rounded(.down))
            if (0..<binning.steps).contains(bin) { active[bin].append(Int(unit) / binning.pooling) }
        }
        return SpikeRaster(channelCount: binning.pooledChannelCount(channelCount), activePerStep: active)
    }

    @Test("the counting-sort binning equals the definition: unsorted times, duplicates, late and negative spikes, pooling")
    func equalsDefinition() {
        var rng = Xoshiro256(seed: 8)
        for trial in 0..<200 {
            let count = rng.index(below: 400)
            let times = (0..<count).map { _ in Float(rng.uniform() * 1.8 - 0.2) }   // some < 0, some ≥ maxTime
            let units = (0..<count).map { _ in UInt16(rng.index(below: 50)) }       // many duplicates per bin
            let binning = Binning(steps: 1 + rng.index(below: 30), maxTime: 1.4, pooling: 1 + trial % 4)
            let events = SpikeEvents(times: times, units: units)
            #expect(binning.raster(events, channelCount: 50) == reference(events, binning, channelCount: 50), "trial \(trial)")
        }
        let empty = Binning(steps: 3).raster(SpikeEvents(times: [], units: []), channelCount: 7)
        #expect(empty == SpikeRaster(channelCount: 7, activePerStep: [[], [], []]))
    }
}
