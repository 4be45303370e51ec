import LearningRules
import NeuronModels
import RealNumerics
import SpikeData
import SpikeFiles

/// What `eprop eval` reports about a checkpoint on a dataset.
public struct EvaluationReport: Codable, Sendable, Equatable {
    /// Fraction of samples whose time-summed readout's argmax is the label.
    public var accuracy: Double
    /// Mean loss per sample (the config's loss).
    public var loss: Double
    public var samples: Int
    public var classNames: [String]
    /// confusion[true class][predicted class] = number of samples.
    public var confusion: [[Int]]
    /// Accuracy per true class (NaN-free: 0 for a class without samples).
    public var perClassAccuracy: [Double]
    /// The checkpoint file evaluated (resolved) and its update step.
    public var checkpoint: String
    public var step: Int

    enum CodingKeys: String, CodingKey {
        case accuracy, loss, samples, confusion, checkpoint, step
        case classNames = "class_names"
        case perClassAccuracy = "per_class_accuracy"
    }
}

/// Evaluates the checkpoint at `path` (file, `…/last` or run directory) on `dataPath` (an
/// SHD-layout file binned as the config says) or, without it, on the config's test set. The
/// config is the checkpoint's own unless `config` is given; a checkpoint whose network does
/// not fit the config or the data is refused with the mismatch named.
public func evaluateCheckpoint(path: String, config override: TrainingConfig? = nil, dataPath: String? = nil) throws -> EvaluationReport {
    let file = try CheckpointDirectory.resolve(path)
    let header = try CheckpointHeader.read(from: file)
    let config = override ?? header.config
    let data: any SampleSet
    if let dataPath {
        data = try SHDFile.read(from: dataPath, channelCount: config.data.channels,
                                binning: Binning(steps: config.data.steps, maxTime: config.data.maxTimeSeconds, pooling: config.data.channelPooling))
    } else {
        data = try loadDatasets(config.data, seed: config.seed).test
    }
    guard data.count > 0 else { throw TrainingError("no samples to evaluate") }
    try header.checkCompatible(with: config, inputs: data.channelCount, classes: data.classCount, checkPrecision: false)
    let visitor = EvaluationVisitor(file: file, readout: config.network.readout, data: data, step: header.progress.step)
    return header.precision == "float64"
        ? try ModelRegistry.visit(config.model, visitor.in(Double.self))
        : try ModelRegistry.visit(config.model, visitor.in(Float.self))
}

private struct EvaluationVisitor {
    let file: String
    let readout: ReadoutOptions
    let data: any SampleSet
    let step: Int

    func `in`<F: RealScalar>(_: F.Type) -> Precision<F> { Precision(base: self) }

    struct Precision<F: RealScalar>: NeuronModelVisitor {
        let base: EvaluationVisitor
        func visit<Model: NeuronModel>(_ model: Model) throws -> EvaluationReport {
            let data = base.data
            let parameters = try Checkpoint<F>.read(from: base.file).parameters
            var confusion = [[Int]](repeating: [Int](repeating: 0, count: data.classCount), count: data.classCount)
            var loss = 0.0
            try BatchPrefetcher(samples: data).forEachBatch(of: Array(0..<data.count), size: 64) { indices, batch in
                let stats = evaluateBatch(batch, parameters: parameters, model: model, readout: base.readout)
                loss += stats.loss
                for (i, predicted) in zip(indices, stats.predictions) { confusion[data.labels[i]][predicted] += 1 }
            }
            let correct = (0..<data.classCount).reduce(0) { $0 + confusion[$1][$1] }
            let perClass = confusion.enumerated().map { c, row in row.reduce(0, +) > 0 ? Double(row[c]) / Double(row.reduce(0, +)) : 0 }
            return EvaluationReport(accuracy: Double(correct) / Double(data.count), loss: loss / Double(data.count), samples: data.count,
                                    classNames: data.classNames, confusion: confusion, perClassAccuracy: perClass,
                                    checkpoint: base.file, step: base.step)
        }
    }
}
