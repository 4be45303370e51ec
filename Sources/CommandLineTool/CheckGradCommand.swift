import Foundation
import Training

enum CheckGradCommand: Subcommand {
    static let name = "check-grad"
    static let summary = "compare e-prop with exact BPTT gradients for every model"
    static let usage = """
    usage: eprop check-grad --config FILE [--json]

    Runs e-prop and BPTT on the same batch (the config's first training batch) for every
    shipped model, without and with explicit recurrence, with an instantaneous and a leaky
    readout, and reports the max relative error of the W gradient
    (max |g_eprop − g_bptt| / max |g_bptt|) and its cosine similarity. Without recurrence
    (and with symmetric feedback) e-prop is exact: the error is float rounding.

    options:
      --config FILE   JSON config (network size, data, precision); required
      --json          print {"cases":[{"model":…,"recurrent":…,"readout_leak":…,"max_rel_error":…,"cosine":…},…]}
    """

    struct Report: Encodable { var cases: [GradientCheckCase] }

    static func run(_ arguments: inout Arguments) throws -> Int32 {
        let config = try TrainingConfig.load(path: try arguments.required("--config"))
        let json = arguments.flag("--json")
        try arguments.finish()
        let (train, _) = try loadDatasets(config.data, seed: config.seed)
        let cases = try runGradientCheck(config: config, train: train)
        if json {
            print(jsonLine(Report(cases: cases)))
            return 0
        }
        print("e-prop vs BPTT, W gradient (\(config.precision), H = \(config.network.hidden), batch of \(min(config.training.batchSize, train.count)))")
        let columns = [7, 10, 13, 14, 13]
        func row(_ cells: [String]) -> String {
            zip(cells, columns + [0]).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }.joined(separator: " ")
        }
        print(row(["model", "recurrent", "readout_leak", "max_rel_error", "cosine", "e-prop exact?"]))
        for c in cases {
            print(row([c.model, c.recurrent ? "yes" : "no", String(format: "%.2f", c.readoutLeak), String(format: "%.3e", c.maxRelativeError),
                       String(format: "%.9f", c.cosine), c.exactExpected ? "yes" : "no (approximation)"]))
        }
        return 0
    }
}

enum BenchCommand: Subcommand {
    static let name = "bench"
    static let summary = "benchmark full training steps (bench step)"
    static let usage = """
    usage: eprop bench step [--model alif] [--method eprop|bptt] [--inputs 700] [--hidden 256] [--steps 100]
                            [--batch 32] [--rate 0.03] [--recurrent] [--repetitions 3] [--budget-seconds 10] [--json]

    Times full training steps (forward, gradient, Adam update) on Bernoulli input spikes
    (probability --rate per channel and step) after one warm-up step, in Float, and prints the
    median samples/s, synapse-steps/s and the peak resident memory (VmHWM).
    """

    static func run(_ arguments: inout Arguments) throws -> Int32 {
        guard arguments.flag("step") else { throw UsageError("expected `eprop bench step`") }
        var spec = StepBenchmarkSpec()
        spec.model = try arguments.option("--model") ?? spec.model
        spec.method = try arguments.option("--method") ?? spec.method
        guard ["eprop", "bptt"].contains(spec.method) else { throw UsageError("--method must be eprop or bptt, got \(spec.method)") }
        spec.inputs = try arguments.integer("--inputs", default: spec.inputs)
        spec.hidden = try arguments.integer("--hidden", default: spec.hidden)
        spec.steps = try arguments.integer("--steps", default: spec.steps)
        spec.batch = try arguments.integer("--batch", default: spec.batch)
        spec.rate = try arguments.number("--rate", default: spec.rate)
        spec.repetitions = try arguments.integer("--repetitions", default: spec.repetitions)
        spec.budgetSeconds = try arguments.number("--budget-seconds", default: spec.budgetSeconds)
        spec.recurrent = arguments.flag("--recurrent")
        let json = arguments.flag("--json")
        try arguments.finish()
        for (value, name) in [(spec.inputs, "--inputs"), (spec.hidden, "--hidden"), (spec.steps, "--steps"), (spec.batch, "--batch"), (spec.repetitions, "--repetitions")] where value <= 0 {
            throw UsageError("\(name) must be positive, got \(value)")
        }
        guard (0...1).contains(spec.rate) else { throw UsageError("--rate must lie in [0, 1], got \(spec.rate)") }
        let result = try benchmarkStep(spec)
        if json {
            print(jsonLine(result))
        } else {
            print(String(format: "%@ %@ N_in=%d H=%d T=%d B=%d: %.1f samples/s (median of %d steps, %.4f s), %.3g synapse-steps/s, peak RSS %.1f MiB, traces %.1f MiB",
                         spec.model as NSString, spec.method as NSString, spec.inputs, spec.hidden, spec.steps, spec.batch, result.samplesPerSecond,
                         result.stepSeconds.count, result.medianSeconds, result.synapseStepsPerSecond,
                         Double(result.peakResidentBytes) / 1_048_576, Double(result.memory.traces) / 1_048_576))
        }
        return 0
    }
}
