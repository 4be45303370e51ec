import Testing
@testable import Distribution

@Suite struct LocalCommunicatorTests {
    @Test func isRankZeroOfOne() {
        let comm = LocalCommunicator()
        #expect(comm.rank == 0)
        #expect(comm.size == 1)
        #expect(comm.isRoot)
    }

    @Test func collectivesLeaveDataUnchangedAndCountReductions() {
        let comm = LocalCommunicator()
        var floats: [Float] = [1, -2, 3.5]
        var doubles: [Double] = [0.25, .infinity]
        var maxima: [Double] = [-1, 7]
        comm.allReduceSum(&floats)
        comm.allReduceSum(&doubles)
        comm.allReduceMax(&maxima)
        #expect(floats == [1, -2, 3.5])
        #expect(doubles == [0.25, .infinity])
        #expect(maxima == [-1, 7])
        #expect(comm.allReduceCount == 3)
        #expect(comm.allReduceSeconds == 0)

        var words: [UInt64] = [.max, 3]
        comm.broadcast(&floats, root: 0)
        comm.broadcast(&doubles, root: 0)
        comm.broadcast(&words, root: 0)
        #expect(floats == [1, -2, 3.5])
        #expect(words == [.max, 3])
        #expect(comm.gather([4, 5], root: 0) == [4, 5])
        comm.barrier()
        #expect(comm.allReduceCount == 3, "broadcast, gather and barrier are not all-reduces")
    }

    @Test func abortPrintsRankAndExitsWithCode() async {
        let result = await #expect(processExitsWith: .exitCode(3), observing: [\.standardErrorContent]) {
            LocalCommunicator().abort(code: 3, message: "shard 7 unreadable")
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("rank 0: shard 7 unreadable"))
    }
}

@Suite struct RunCollectivelyTests {
    struct BadDataFile: Error, CustomStringConvertible {
        var description: String { "train.h5: dataset 'spikes' missing" }
    }

    @Test func returnsTheBodysValue() {
        #expect(runCollectively(LocalCommunicator(), "loading data") { 42 } == 42)
    }

    @Test func thrownErrorEndsTheJobWithExitCodeOneNamingRankAndError() async {
        let result = await #expect(processExitsWith: .exitCode(1), observing: [\.standardErrorContent]) {
            let _: Int = runCollectively(LocalCommunicator(), "loading data") { throw BadDataFile() }
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("rank 0: loading data failed: train.h5: dataset 'spikes' missing"))
    }
}
