import SpikeData
import SpikeFiles

/// The training and test sets a data config describes: generated from the seed (synthetic)
/// or read from SHD-layout HDF5 files and binned to `steps` bins over `max_time_s`, held in
/// memory or, with `load: "per_batch"`, read batch by batch (`SHDFileSamples`).
///
/// - Throws: `SpikeFileError` naming the file, sample and field for unreadable or invalid
///   files; `TrainingError` when the two files disagree on channels or classes.
public func loadDatasets(_ config: DataConfig, seed: UInt64) throws -> (train: any SampleSet, test: any SampleSet) {
    switch config.source {
    case "synthetic":
        guard let synthetic = config.synthetic else { throw TrainingError("data.synthetic is required for data.source \"synthetic\"") }
        let task = synthetic.task
        return (task.generate(count: synthetic.trainSamples, seed: seed, test: false),
                task.generate(count: synthetic.testSamples, seed: seed, test: true))
    default:
        guard let trainPath = config.train, let testPath = config.test else {
            throw TrainingError("data.train and data.test are required for data.source \"hdf5\"")
        }
        let binning = Binning(steps: config.steps, maxTime: config.maxTimeSeconds, pooling: config.channelPooling)
        func open(_ path: String) throws -> any SampleSet {
            config.load == "per_batch"
                ? try SHDFileSamples(path: path, channelCount: config.channels, binning: binning)
                : try SHDFile.read(from: path, channelCount: config.channels, binning: binning)
        }
        let train = try open(trainPath), test = try open(testPath)
        guard train.classCount == test.classCount else {
            throw TrainingError("\(trainPath) has \(train.classCount) classes but \(testPath) has \(test.classCount)")
        }
        return (train, test)
    }
}
