import Distribution
import Foundation

extension BenchCommand {
    /// `eprop bench allreduce`: the pure cost of the trainer's one collective per update.
    static func runAllReduce(_ arguments: inout Arguments) throws -> Int32 {
        let floats = try arguments.integer("--floats", default: 184_596)  // ALIF, 700 → 256 → 20 with biases
        let repetitions = try arguments.integer("--repetitions", default: 200)
        try arguments.finish()
        guard floats > 0, repetitions > 0 else { throw UsageError("--floats and --repetitions must be positive") }
        let comm = try Launch.makeCommunicator()
        var buffer = [Float](repeating: 1, count: floats)
        var times: [Double] = []
        for _ in 0..<(repetitions + 5) {
            comm.barrier()
            let start = Date()
            comm.allReduceSum(&buffer)
            times.append(Date().timeIntervalSince(start))
        }
        let median = times.dropFirst(5).sorted()[repetitions / 2]
        var slowest = [median]
        comm.allReduceMax(&slowest)
        if comm.isRoot {
            let bytes = Double(floats * 4)
            let busBandwidth = comm.size > 1 ? 2 * Double(comm.size - 1) / Double(comm.size) * bytes / slowest[0] : 0
            print(String(format: "allreduce of %d floats (%.2f MB) over %d rank(s): median %.3f ms (slowest rank), bus bandwidth %.2f GB/s",
                         floats, bytes / 1e6, comm.size, 1e3 * slowest[0], busBandwidth / 1e9))
        }
        return 0
    }
}
