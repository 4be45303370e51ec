import Foundation
import Reports
import SpikeFiles

/// A run's output directory: `summary.json`, `metrics.jsonl`, `checkpoints/`.
///
/// Only the writer (rank 0) touches the file system; on other ranks every method is a no-op,
/// so call sites need no rank checks. Whole files are written atomically (temporary file,
/// fsync, rename), so a reader never sees half a file.
public struct RunDirectory: Sendable {
    public let path: String
    public let isWriter: Bool

    public init(path: String, isWriter: Bool) throws {
        self.path = path
        self.isWriter = isWriter
        guard isWriter else { return }
        do {
            try FileManager.default.createDirectory(atPath: checkpointsPath, withIntermediateDirectories: true)
        } catch {
            throw TrainingError("cannot create run directory \(path): \(error.localizedDescription)")
        }
    }

    public var checkpointsPath: String { (path as NSString).appendingPathComponent("checkpoints") }
    public var metricsPath: String { (path as NSString).appendingPathComponent("metrics.jsonl") }
    public var summaryPath: String { (path as NSString).appendingPathComponent("summary.json") }

    /// Appends one JSON object as a line to metrics.jsonl.
    public func appendMetrics(_ record: [String: Any]) {
        guard isWriter, let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) else { return }
        if !FileManager.default.fileExists(atPath: metricsPath) { _ = FileManager.default.createFile(atPath: metricsPath, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: metricsPath) else { return }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(data + Data("\n".utf8))
    }

    public func writeSummary(_ summary: TrainingSummary) throws {
        guard isWriter else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try encoder.encode(summary), to: summaryPath)
    }
}

extension RunDirectory {
    /// `learning_curve.svg`: loss and accuracy per epoch, train and test.
    func writeLearningCurve(_ curve: [(epoch: Int, trainLoss: Double, trainAccuracy: Double, testLoss: Double, testAccuracy: Double)]) throws {
        guard isWriter, !curve.isEmpty else { return }
        var accuracy = LinePlot(title: "Accuracy", xLabel: "epoch", yLabel: "accuracy (%)")
        accuracy.series = [
            .init(name: "train", points: curve.map { (Double($0.epoch), 100 * $0.trainAccuracy) }),
            .init(name: "test", points: curve.map { (Double($0.epoch), 100 * $0.testAccuracy) }),
        ]
        var loss = LinePlot(title: "Loss per sample", xLabel: "epoch", yLabel: "loss")
        loss.series = [
            .init(name: "train", points: curve.map { (Double($0.epoch), $0.trainLoss) }),
            .init(name: "test", points: curve.map { (Double($0.epoch), $0.testLoss) }),
        ]
        try writeAtomically(Data(accuracy.svg().utf8), to: (path as NSString).appendingPathComponent("learning_curve_accuracy.svg"))
        try writeAtomically(Data(loss.svg().utf8), to: (path as NSString).appendingPathComponent("learning_curve_loss.svg"))
    }
}

/// Writes `data` to `path` so that `path` holds either its old content or all of `data`
/// (the package's one atomic-replace protocol: temporary file, fsync, rename, directory fsync).
public func writeAtomically(_ data: Data, to path: String) throws {
    try AtomicFile.replace(path, failure: { TrainingError("cannot write \(path): \($0)") }) { (temporary: String) throws(TrainingError) in
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw TrainingError("cannot write \(temporary)")
        }
    }
}
