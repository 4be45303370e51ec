/// Runs every `Communicator` operation on inputs whose results are known in closed form
/// for `comm.size` ranks, and returns one description per wrong result (empty: all
/// correct). Collective: every rank must call it. Covers Float and Double sums, max,
/// broadcasts from the first and the last rank (UInt64 values above 2^53, which a lossy
/// conversion would change), gathers to both, the barrier and the all-reduce statistics.
public func collectiveSelfCheck(_ comm: any Communicator) -> [String] {
    let p = comm.size
    let r = comm.rank
    let lastRank = p - 1
    var failures: [String] = []
    func expect<T: Equatable>(_ actual: [T], _ expected: [T], _ operation: String) {
        guard actual != expected else { return }
        if actual.count != expected.count {
            failures.append("\(operation): \(actual.count) elements, expected \(expected.count)")
        } else if let i = actual.indices.first(where: { actual[$0] != expected[$0] }) {
            failures.append("\(operation): element \(i) is \(actual[i]), expected \(expected[i])")
        }
    }

    let reducesBefore = comm.allReduceCount
    let secondsBefore = comm.allReduceSeconds

    // Small integers times small factors: every partial sum is exact in Float, so the
    // expected value does not depend on the reduction order MPI chooses.
    let count = 1000
    var floats = (0..<count).map { Float(r + 1) * Float($0 % 7 + 1) }
    comm.allReduceSum(&floats)
    expect(floats, (0..<count).map { Float(p * (p + 1) / 2) * Float($0 % 7 + 1) },
           "allReduceSum(Float)")

    var doubles = (0..<count).map { Double(r) + 0.5 * Double($0) }
    comm.allReduceSum(&doubles)
    expect(doubles, (0..<count).map { Double(p * (p - 1) / 2) + 0.5 * Double(p * $0) },
           "allReduceSum(Double)")

    var maxima = [Double(r), -Double(r), 0.25 * Double(r)]
    comm.allReduceMax(&maxima)
    expect(maxima, [Double(lastRank), 0, 0.25 * Double(lastRank)], "allReduceMax(Double)")

    // Non-root ranks start from values that differ from the root's, so a broadcast that
    // does nothing is caught.
    var broadcastFloats: [Float] = r == lastRank ? [1.5, -2.25, Float(lastRank)] : [.nan, 0, -1]
    comm.broadcast(&broadcastFloats, root: lastRank)
    expect(broadcastFloats, [1.5, -2.25, Float(lastRank)], "broadcast(Float, root \(lastRank))")

    var broadcastDoubles: [Double] = r == 0 ? [0.1, -1e300, 42] : [.infinity, 0, 0]
    comm.broadcast(&broadcastDoubles, root: 0)
    expect(broadcastDoubles, [0.1, -1e300, 42], "broadcast(Double, root 0)")

    let words: [UInt64] = [.max, 0x8000_0000_0000_0001, 0x0123_4567_89AB_CDEF]
    var broadcastWords: [UInt64] = r == lastRank ? words : [0, 0, 0]
    comm.broadcast(&broadcastWords, root: lastRank)
    expect(broadcastWords, words, "broadcast(UInt64, root \(lastRank))")

    for root in Set([0, lastRank]).sorted() {
        let gathered = comm.gather([Double(r), Double(r) + 0.5], root: root)
        let expected = r == root ? (0..<p).flatMap { [Double($0), Double($0) + 0.5] } : []
        expect(gathered, expected, "gather(Double, root \(root))")
    }

    comm.barrier()

    let reduces = comm.allReduceCount - reducesBefore
    if reduces != 3 { failures.append("allReduceCount grew by \(reduces), expected 3") }
    let seconds = comm.allReduceSeconds - secondsBefore
    if !(seconds >= 0 && seconds.isFinite) {
        failures.append("allReduceSeconds grew by \(seconds), expected a finite value ≥ 0")
    }
    return failures
}
