import Foundation
import SpikeData

/// Reads the next batch on a background thread while the current one trains, for sample sets
/// that read from storage (`SampleSet.readsFromStorage`, e.g. `data.load: "per_batch"`); the
/// batches of others are made when asked. Either way `batch(_:)` returns exactly
/// `samples.batch(indices)`, so training is the same bit for bit.
final class BatchPrefetcher: @unchecked Sendable {
    let samples: any SampleSet
    /// The batch being read in the background: its indices, a signal when done, the result.
    private var pending: (indices: [Int], done: DispatchSemaphore, result: ResultBox)?

    /// Written by the reading thread before it signals, read after the wait.
    private final class ResultBox: @unchecked Sendable {
        var result: Result<SpikeBatch, any Error>?
    }

    init(samples: any SampleSet) {
        self.samples = samples
    }

    deinit {
        pending?.done.wait()
    }

    /// Starts reading the samples at `indices` if the set reads from storage.
    func prefetch(_ indices: [Int]) {
        guard samples.readsFromStorage else { return }
        pending?.done.wait()
        let done = DispatchSemaphore(value: 0), box = ResultBox(), samples = self.samples
        pending = (indices, done, box)
        DispatchQueue.global(qos: .userInitiated).async {
            box.result = Result { try samples.batch(indices) }
            done.signal()
        }
    }

    /// The samples at `indices`: the prefetched batch if it is that one, else read now.
    func batch(_ indices: [Int]) throws -> SpikeBatch {
        if let pending {
            pending.done.wait()
            self.pending = nil
            if pending.indices == indices, let result = pending.result.result { return try result.get() }
        }
        return try samples.batch(indices)
    }

    /// Calls `body` with the batches of `indices` in consecutive chunks of `size`, in order,
    /// reading each next chunk ahead.
    func forEachBatch(of indices: [Int], size: Int, _ body: (_ indices: ArraySlice<Int>, _ batch: SpikeBatch) throws -> Void) throws {
        let chunks = stride(from: 0, to: indices.count, by: size).map { indices[$0..<min($0 + size, indices.count)] }
        for (n, chunk) in chunks.enumerated() {
            let batch = try self.batch(Array(chunk))
            if n + 1 < chunks.count { prefetch(Array(chunks[n + 1])) }
            try body(chunk, batch)
        }
    }
}
