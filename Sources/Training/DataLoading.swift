import SpikeData

/// The training and test sets a data config describes.
public func loadDatasets(_ config: DataConfig, seed: UInt64) throws -> (train: SpikeDataset, test: SpikeDataset) {
    switch config.source {
    case "synthetic":
        guard let synthetic = config.synthetic else { throw TrainingError("data.synthetic is required for data.source \"synthetic\"") }
        let task = synthetic.task
        return (task.generate(count: synthetic.trainSamples, seed: seed, test: false),
                task.generate(count: synthetic.testSamples, seed: seed, test: true))
    default:
        throw TrainingError("data.source \"\(config.source)\" is not readable yet")
    }
}
