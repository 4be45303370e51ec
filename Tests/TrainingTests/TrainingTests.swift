import CommandLineTool
import Distribution
import Foundation
import NeuronModels
import RealNumerics
import SpikeData
import SpikeFiles
import Testing
import TestSupport
import Training

/// The repository root (configs/ lives there).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func shippedConfig(_ name: String) throws -> TrainingConfig {
    try TrainingConfig.load(path: repositoryRoot.appendingPathComponent("configs/\(name)").path)
}

/// A fresh empty directory under the system temporary directory.
func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "eprop-test-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("Training on the synthetic task")
struct TrainingTests {
    @Test("per-batch reading of SHD files trains bit for bit like holding them (data.load)")
    func perBatchLoadingEqualsMemory() throws {
        // The synthetic task written as SHD files: a spike at the middle of its bin.
        let task = SyntheticTask(inputs: 20, steps: 20, classes: 3, rate: 0.1)
        let directory = temporaryDirectory()
        for (name, test) in [("train", false), ("test", true)] {
            let data = task.generate(count: test ? 12 : 48, seed: 4, test: test)
            let events = data.samples.map { source -> SpikeEvents in
                let raster = SpikeRaster(recording: source)
                var times: [Float] = [], units: [UInt16] = []
                for t in 0..<raster.steps {
                    for channel in raster.active(at: t) {
                        times.append((Float(t) + 0.5) / Float(raster.steps))
                        units.append(channel)
                    }
                }
                return SpikeEvents(times: times, units: units)
            }
            try SHDFile.write(EventDataset(samples: events, labels: data.labels, speakers: data.labels.map { _ in 0 },
                                           classNames: ["a", "b", "c"], channelCount: 20), to: "\(directory)/\(name).h5")
        }
        var config = TrainingConfig(model: ModelSpec(name: "lif"), network: NetworkConfig(hidden: 16),
                                    data: DataConfig(train: "\(directory)/train.h5", test: "\(directory)/test.h5", steps: 20, maxTimeSeconds: 1, channels: 20))
        config.training.epochs = 2
        config.training.batchSize = 8
        var summaries: [TrainingSummary] = []
        for load in ["memory", "per_batch"] {
            config.data.load = load
            try config.validate()
            let (train, test) = try loadDatasets(config.data, seed: config.seed)
            #expect((train is SHDFileSamples) == (load == "per_batch"))
            summaries.append(try Training.train(config: config, train: train, test: test, options: TrainOptions(verbose: false),
                                                communicator: LocalCommunicator()))
        }
        #expect(summaries[0].parameterChecksum == summaries[1].parameterChecksum)
        #expect(summaries[0].testLoss == summaries[1].testLoss && summaries[0].steps == 12)
        config.data = DataConfig(synthetic: SyntheticTaskConfig(inputs: 4, steps: 4, classes: 2, trainSamples: 4, testSamples: 2))
        config.data.load = "per_batch"
        #expect(throws: ConfigurationError(key: "data.load", message: "\"per_batch\" reads batches from files: it needs data.source \"hdf5\"")) {
            try config.validate()
        }
    }

    @Test("e-prop reaches ≥ 95 % test accuracy from configs/synthetic-exact.json")
    func syntheticAccuracy() throws {
        let config = try shippedConfig("synthetic-exact.json")
        let (train, test) = try loadDatasets(config.data, seed: config.seed)
        let out = temporaryDirectory()
        let summary = try Training.train(config: config, train: train, test: test,
                                         options: TrainOptions(outputDirectory: out, verbose: false), communicator: LocalCommunicator())
        #expect(summary.testAccuracy >= 0.95, "test accuracy \(summary.testAccuracy)")
        #expect(summary.epochs == config.training.epochs)
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        for key in ["train_accuracy", "test_accuracy", "epochs", "samples_per_second"] { #expect(written[key] != nil, "summary.json lacks \(key)") }
        let metrics = try String(contentsOfFile: out + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(metrics.filter { $0.contains("\"kind\":\"epoch\"") }.count == config.training.epochs)
    }

    @Test("debug mode runs its invariant checks and passes on a healthy run")
    func debugMode() throws {
        var config = try shippedConfig("synthetic-exact.json")
        config.training.epochs = 1
        let (train, test) = try loadDatasets(config.data, seed: config.seed)
        let summary = try Training.train(config: config, train: train, test: test, options: TrainOptions(debug: true, verbose: false),
                                         communicator: LocalCommunicator())
        #expect(summary.steps == train.count / config.training.batchSize)
    }

    @Test("a global batch larger than the data is refused before any work")
    func batchTooLarge() throws {
        var config = try shippedConfig("synthetic-exact.json")
        config.training.batchSize = 10_000
        let (train, test) = try loadDatasets(config.data, seed: config.seed)
        #expect { try Training.train(config: config, train: train, test: test, options: TrainOptions(verbose: false), communicator: LocalCommunicator()) } throws: {
            "\($0)".contains("exceeds the \(train.count) training samples")
        }
    }
}

@Suite("Command line: exit codes and messages")
struct CommandLineTests {
    func writeConfig(_ text: String) -> String {
        let path = temporaryDirectory() + "/config.json"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    @Test func badConfigExitsNonZero() {
        let path = writeConfig(#"{"model": {"name": "lif"}, "network": {"hidden": -3}, "data": {"source": "synthetic"}}"#)
        #expect(EPropCommand.run(["train", "--config", path]) == 1)
        #expect(EPropCommand.run(["check-grad", "--config", path]) == 1)
        #expect(EPropCommand.run(["train", "--config", "/nonexistent/config.json"]) == 1)
    }

    @Test func usageErrorsExitTwo() {
        #expect(EPropCommand.run([]) == 2)
        #expect(EPropCommand.run(["fly"]) == 2)
        #expect(EPropCommand.run(["train"]) == 2)
        #expect(EPropCommand.run(["train", "--config", "x.json", "--bogus"]) == 2)
        #expect(EPropCommand.run(["bench", "step", "--hidden", "-1"]) == 2)
        #expect(EPropCommand.run(["train", "--help"]) == 0)
    }
}
