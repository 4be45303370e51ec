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
