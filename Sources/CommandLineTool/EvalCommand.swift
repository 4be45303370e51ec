import Foundation
import Training

enum EvalCommand: Subcommand {
    static let name = "eval"
    static let summary = "evaluate a checkpoint: accuracy, loss, confusion matrix"
    static let usage = """
    usage: eprop eval --checkpoint PATH [--config FILE] [--data FILE] [--json]

    Evaluates the weights of a checkpoint (PATH: a run directory, DIR/checkpoints/last or a
    checkpoint file) and prints accuracy, mean loss, per-class accuracy and the confusion matrix.

    options:
      --checkpoint PATH  required
      --config FILE      config to use instead of the one stored in the checkpoint (its network
                         must match the checkpoint's, or the mismatch is reported)
      --data FILE        SHD-layout HDF5 file to evaluate on (default: the config's test set)
      --json             print {"accuracy":…,"loss":…,"samples":…,"confusion":[[…]],"per_class_accuracy":[…],…}
    """

    static func run(_ arguments: inout Arguments) throws -> Int32 {
        let checkpoint = try arguments.required("--checkpoint")
        let configPath = try arguments.option("--config")
        let data = try arguments.option("--data")
        let json = arguments.flag("--json")
        try arguments.finish()
        let config = try configPath.map { try TrainingConfig.load(path: $0) }
        let report = try evaluateCheckpoint(path: checkpoint, config: config, dataPath: data)
        if json {
            print(jsonLine(report))
            return 0
        }
        print("checkpoint \(report.checkpoint) (update \(report.step))")
        print(String(format: "accuracy %.2f%%  loss %.4f  samples %d", 100 * report.accuracy, report.loss, report.samples))
        let width = max(8, (report.classNames.map(\.count).max() ?? 0) + String(report.classNames.count).count + 2)
        print("\nper-class accuracy:")
        for (name, accuracy) in zip(report.classNames, report.perClassAccuracy) {
            print("  \(name.padding(toLength: width, withPad: " ", startingAt: 0)) \(String(format: "%6.2f%%", 100 * accuracy))")
        }
        print("\nconfusion matrix (rows: true class, columns: predicted class):")
        let cell = max(4, String(report.confusion.flatMap { $0 }.max() ?? 0).count + 1)
        print(String(repeating: " ", count: width + 2) + (0..<report.classNames.count).map { String($0).leftPadded(to: cell) }.joined())
        for (c, row) in report.confusion.enumerated() {
            print("  " + "\(c) \(report.classNames[c])".padding(toLength: width, withPad: " ", startingAt: 0)
                  + row.map { String($0).leftPadded(to: cell) }.joined())
        }
        return 0
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
