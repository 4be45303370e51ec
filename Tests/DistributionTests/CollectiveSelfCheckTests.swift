import Testing
import Distribution

/// Claims to be rank 0 of 2 but communicates nothing: every collective that should
/// bring in the other rank's data must be reported by `collectiveSelfCheck`.
private final class SilentCommunicator: Communicator {
    let rank = 0
    let size = 2
    let allReduceSeconds: Double = 0
    let allReduceCount = 0
    func allReduceSum(_ buffer: inout [Float]) {}
    func allReduceSum(_ buffer: inout [Double]) {}
    func allReduceMax(_ buffer: inout [Double]) {}
    func broadcast(_ buffer: inout [Float], root: Int) {}
    func broadcast(_ buffer: inout [Double], root: Int) {}
    func broadcast(_ buffer: inout [UInt64], root: Int) {}
    func gather(_ values: [Double], root: Int) -> [Double] { values }
    func barrier() {}
    func abort(code: Int32, message: String) -> Never { fatalError(message) }
}

@Suite struct CollectiveSelfCheckTests {
    @Test func passesOnALocalCommunicator() {
        #expect(collectiveSelfCheck(LocalCommunicator()) == [])
    }

    @Test func reportsEveryCollectiveThatDidNotCommunicate() {
        let failures = collectiveSelfCheck(SilentCommunicator())
        let operations = failures.map { $0.prefix(while: { $0 != ":" }) }
        #expect(operations == [
            "allReduceSum(Float)", "allReduceSum(Double)", "allReduceMax(Double)",
            "broadcast(Float, root 1)", "broadcast(UInt64, root 1)",
            "gather(Double, root 0)", "gather(Double, root 1)", "allReduceCount grew by 0, expected 3",
        ], "\(failures)")
        #expect(failures.first == "allReduceSum(Float): element 0 is 1.0, expected 3.0")
    }
}
