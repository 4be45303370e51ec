import Foundation
import SpikeData
import Training

enum BenchCommand: Subcommand {
    static let name = "bench"
    static let summary = "benchmark full training steps (bench step)"
    static let usage = """
    usage: mpirun -np P eprop bench allreduce [--floats 184596] [--repetitions 200]
           eprop bench step [--model alif[,lif,…]] [--method eprop|bptt|forward] [--hidden 256[,512,…]]
                            [--inputs 700] [--steps 100] [--batch 32] [--rate 0.03] [--block-length 128]
                            [--detach-reset] [--readout-leak 0] [--recurrent] [--repetitions 3]
                            [--budget-seconds 10] [--ceilings GFLOPS,GBPS] [--json]

    Times full training steps (forward, gradient, Adam update) in Float on Bernoulli input
    spikes (probability --rate per channel and step), one warm-up step then the median of at
    least --repetitions, for every model and hidden size given. Reports samples/s and
    synapse-steps/s (B·T·H·P per step); for e-prop also the nominal flops of the online
    recursion (2k² + k + 1 per synapse-step, + 2 with a readout leak) as effective GFLOP/s and
    as a percentage of the compute ceiling, the streaming bound of a naive trace loop, the
    modelled DRAM traffic of the blocked schedule as GB/s; and the peak resident memory over
    the steps (VmHWM, reset before the first step).

    `bench allreduce` times the gradient all-reduce alone (in-place MPI_Allreduce of --floats
    Float32, ranks synchronised by a barrier before each call, so no load imbalance is counted)
    and prints the median and the bus bandwidth 2(P−1)/P · bytes / time.

    The ceilings (one core: in-register 8-wide FMA GFLOP/s and streaming-update GB/s) are
    measured at start-up unless given with --ceilings.

    options:
      --method forward      the forward pass alone (with its local derivatives): the floor
      --block-length N      e-prop's τ: steps whose neuron-level quantities are kept per block
      --detach-reset        the model's detach_reset = 1 (LIF, ALIF): e-prop factorises
      --json                one JSON object per configuration and line
    """

    static func run(_ arguments: inout Arguments) throws -> Int32 {
        if arguments.flag("allreduce") { return try runAllReduce(&arguments) }
        guard arguments.flag("step") else { throw UsageError("expected `eprop bench step` or `eprop bench allreduce`") }
        var spec = StepBenchmarkSpec()
        let models = (try arguments.option("--model") ?? spec.model).split(separator: ",").map(String.init)
        spec.method = try arguments.option("--method") ?? spec.method
        guard ["eprop", "bptt", "forward"].contains(spec.method) else { throw UsageError("--method must be eprop, bptt or forward, got \(spec.method)") }
        let hiddenSizes = try arguments.integers("--hidden", default: [spec.hidden])
        spec.inputs = try arguments.integer("--inputs", default: spec.inputs)
        guard (1...SpikeRaster.maximumChannelCount).contains(spec.inputs) else {
            throw UsageError("--inputs must be in 1...65536 (channels are 16-bit), got \(spec.inputs)")
        }
        spec.steps = try arguments.integer("--steps", default: spec.steps)
        spec.batch = try arguments.integer("--batch", default: spec.batch)
        spec.rate = try arguments.number("--rate", default: spec.rate)
        spec.blockLength = try arguments.integer("--block-length", default: spec.blockLength)
        spec.detachReset = arguments.flag("--detach-reset")
        spec.readoutLeak = try arguments.number("--readout-leak", default: spec.readoutLeak)
        spec.repetitions = try arguments.integer("--repetitions", default: spec.repetitions)
        spec.budgetSeconds = try arguments.number("--budget-seconds", default: spec.budgetSeconds)
        spec.recurrent = arguments.flag("--recurrent")
        let ceilingText = try arguments.option("--ceilings")
        let json = arguments.flag("--json")
        try arguments.finish()
        for (value, name) in [(spec.inputs, "--inputs"), (spec.steps, "--steps"), (spec.batch, "--batch"), (spec.repetitions, "--repetitions"),
                              (spec.blockLength, "--block-length")] + hiddenSizes.map({ ($0, "--hidden") }) where value <= 0 {
            throw UsageError("\(name) must be positive, got \(value)")
        }
        guard (0...1).contains(spec.rate) else { throw UsageError("--rate must lie in [0, 1], got \(spec.rate)") }
        guard (0..<1).contains(spec.readoutLeak) else { throw UsageError("--readout-leak must lie in [0, 1), got \(spec.readoutLeak)") }
        guard !models.isEmpty else { throw UsageError("--model needs at least one model name") }

        let ceilings: MachineCeilings
        if let ceilingText {
            let parts = ceilingText.split(separator: ",").compactMap { Double($0) }
            guard parts.count == 2, parts.allSatisfy({ $0 > 0 }) else { throw UsageError("--ceilings expects GFLOPS,GBPS, got \"\(ceilingText)\"") }
            ceilings = MachineCeilings(gflops: parts[0], gbps: parts[1])
        } else {
            ceilings = MachineCeilings.measure()
        }
        if !json {
            print(String(format: "ceilings (one core%@): %.1f GFLOP/s in-register FMA, %.1f GB/s streaming",
                         ceilingText == nil ? ", measured now" : ", given", ceilings.gflops, ceilings.gbps))
        }
        for model in models {
            for hidden in hiddenSizes {
                var config = spec
                config.model = model
                config.hidden = hidden
                let r = try benchmarkStep(config, ceilings: ceilings)
                print(json ? jsonLine(r) : describe(r))
            }
        }
        return 0
    }

    static func describe(_ r: StepBenchmarkResult) -> String {
        let s = r.spec
        let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        var path = ""
        if let factorised = r.factorised { path = String(format: " τ=%d %@", s.blockLength, factorised ? "factorised" : "general") }
        var text = String(format: "%@%@ %@ N_in=%d H=%d T=%d B=%d%@%@: %.1f samples/s (median of %d steps, %.1f ms), %.3g synapse-steps/s",
                          s.model, s.detachReset ? " (detach_reset)" : "", s.method, s.inputs, s.hidden, s.steps, s.batch,
                          s.recurrent ? " recurrent" : "", path, r.samplesPerSecond, r.stepSeconds.count, 1000 * r.medianSeconds,
                          r.synapseStepsPerSecond)
        if let flops = r.nominalFlopsPerSynapseStep, let gflops = r.effectiveGFLOPS, let ceiling = r.computeCeilingSamplesPerSecond,
           let percent = r.percentOfComputeCeiling, let streaming = r.streamingBoundSamplesPerSecond,
           let bytes = r.modelledBytesPerBatch, let gbps = r.achievedGBps {
            text += String(format: "\n    %.0f flops/synapse-step: %.1f effective GFLOP/s = %.0f%% of the compute ceiling (%.0f samples/s at %.0f GFLOP/s); naive streaming bound %.0f samples/s",
                           flops, gflops, percent, ceiling, r.ceilings.gflops, streaming)
            text += String(format: "\n    modelled DRAM traffic %.0f MB/batch: %.1f GB/s of %.0f GB/s", bytes / 1e6, gbps, r.ceilings.gbps)
        }
        text += "\n    peak RSS \(mib(r.peakResidentBytes)) (\(mib(r.residentBeforeBytes)) before the first step); estimator holds \(mib(r.memory.total)), traces \(mib(r.memory.traces))"
        return text
    }
}
