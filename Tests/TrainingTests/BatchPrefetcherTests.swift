import Foundation
import SpikeData
import Testing
@testable import Training

/// A sample set that "reads from storage": every batch is sample i's label i, and reading
/// index 13 fails, so the tests can see which batches were read and how errors travel.
private final class CountingSamples: SampleSet, @unchecked Sendable {
    struct Unreadable: Error, Equatable { var index: Int }
    let lock = NSLock()
    var reads: [[Int]] = []
    let count = 40
    var labels: [Int] { Array(0..<count) }
    let classCount = 40
    var classNames: [String] { labels.map(String.init) }
    let steps = 3
    let channelCount = 2
    let readsFromStorage: Bool
    init(readsFromStorage: Bool = true) { self.readsFromStorage = readsFromStorage }

    func batch(_ indices: some Collection<Int>) throws -> SpikeBatch {
        let wanted = Array(indices)
        lock.withLock { reads.append(wanted) }
        if let bad = wanted.first(where: { $0 == 13 }) { throw Unreadable(index: bad) }
        return SpikeBatch(samples: wanted.map { _ in SpikeRaster(channelCount: 2, activePerStep: [[0], [], [1]]) }, labels: wanted)
    }
}

@Suite("reading batches ahead")
struct BatchPrefetcherTests {
    @Test("a prefetched batch is the one asked for; another one is read when asked; each is read once")
    func prefetchedOrRead() throws {
        let samples = CountingSamples()
        let batches = BatchPrefetcher(samples: samples)
        batches.prefetch([1, 2])
        #expect(try batches.batch([1, 2]).labels == [1, 2])
        batches.prefetch([3, 4])
        #expect(try batches.batch([5, 6]).labels == [5, 6], "a different batch than the prefetched one is read now")
        #expect(try batches.batch([7]).labels == [7])
        #expect(samples.reads == [[1, 2], [3, 4], [5, 6], [7]])
    }

    @Test("an error while reading ahead reaches the caller of that batch")
    func errorsTravel() throws {
        let batches = BatchPrefetcher(samples: CountingSamples())
        batches.prefetch([12, 13])
        #expect(throws: CountingSamples.Unreadable(index: 13)) { try batches.batch([12, 13]) }
        #expect(try batches.batch([14]).labels == [14])
    }

    @Test("sets that do not read from storage are never read ahead")
    func heldSetsAreNotPrefetched() throws {
        let samples = CountingSamples(readsFromStorage: false)
        let batches = BatchPrefetcher(samples: samples)
        batches.prefetch([0, 1])
        #expect(samples.reads.isEmpty)
        #expect(try batches.batch([0, 1]).labels == [0, 1])
        #expect(samples.reads == [[0, 1]])
    }

    @Test("forEachBatch visits every chunk in order, each read once, with its indices")
    func chunks() throws {
        let samples = CountingSamples()
        var seen: [[Int]] = []
        try BatchPrefetcher(samples: samples).forEachBatch(of: [0, 2, 4, 6, 8, 10, 12], size: 3) { indices, batch in
            #expect(batch.labels == Array(indices))
            seen.append(Array(indices))
        }
        #expect(seen == [[0, 2, 4], [6, 8, 10], [12]])
        #expect(samples.reads == seen)
    }
}
