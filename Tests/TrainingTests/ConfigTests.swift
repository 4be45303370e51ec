import Foundation
import RealNumerics
import Testing
@testable import Training

@Suite("Configs: decoding and validation name the offending field")
struct ConfigTests {
    static let valid = """
    {"model": {"name": "lif"}, "network": {"hidden": 8},
     "data": {"source": "synthetic", "synthetic": {"inputs": 10, "steps": 5, "classes": 2, "train_samples": 8, "test_samples": 4}}}
    """

    /// `valid` with `edit` applied to its JSON object.
    func config(_ edit: (inout [String: Any]) -> Void) -> Data {
        var object = try! JSONSerialization.jsonObject(with: Data(Self.valid.utf8)) as! [String: Any]
        edit(&object)
        return try! JSONSerialization.data(withJSONObject: object)
    }

    func key(of data: Data) -> String? {
        do {
            _ = try TrainingConfig.decode(data)
            return nil
        } catch let error as ConfigurationError {
            return error.key
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func validConfigDecodesWithDefaults() throws {
        let c = try TrainingConfig.decode(Data(Self.valid.utf8))
        #expect(c.network.hidden == 8 && c.training.method == "eprop" && c.training.optimizer.kind == "adam" && c.precision == "float32")
    }

    @Test func shippedConfigsAreValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let configs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("configs").path).filter { $0.hasSuffix(".json") }
        #expect(!configs.isEmpty)
        for name in configs {
            #expect(throws: Never.self, "configs/\(name)") { _ = try TrainingConfig.load(path: root.appendingPathComponent("configs/\(name)").path) }
        }
    }

    @Test func missingField() {
        #expect(key(of: config { $0["network"] = [String: Any]() }) == "network.hidden")
        #expect(key(of: config { $0.removeValue(forKey: "model") }) == "model")
    }

    @Test func invalidValues() {
        #expect(key(of: config { $0["network"] = ["hidden": -4] }) == "network.hidden")
        #expect(key(of: config { $0["training"] = ["optimizer": ["learning_rate": "NaN"]] }) == "training.optimizer.learning_rate")
        #expect(key(of: config { $0["training"] = ["optimizer": ["learning_rate": -0.1]] }) == "training.optimizer.learning_rate")
        #expect(key(of: config { $0["training"] = ["batch_size": 0] }) == "training.batch_size")
        #expect(key(of: config { $0["network"] = ["hidden": 8, "readout_leak": 1.5] }) == "network.readout_leak")
        #expect(key(of: config { $0["network"] = ["hidden": 8, "loss": "mse"] }) == "network.loss")
        #expect(key(of: config { $0["precision"] = "float16" }) == "precision")
        #expect(key(of: config {
            $0["data"] = ["source": "synthetic", "synthetic": ["inputs": 70_000, "steps": 5, "classes": 2, "train_samples": 8, "test_samples": 4]]
        }) == "data.synthetic.inputs", "rasters hold 16-bit channels")
    }

    @Test func unknownNames() {
        #expect(key(of: config { $0["model"] = ["name": "hodgkin-huxley"] }) == "model.name")
        #expect(key(of: config { $0["model"] = ["name": "lif", "parameters": ["tau": 3]] }) == "model.parameters.tau")
        #expect(key(of: config { $0["netwrok"] = ["hidden": 3] }) == "netwrok")
        #expect(key(of: config { $0["training"] = ["optimiser": ["kind": "adam"]] }) == "training.optimiser")
        #expect(key(of: config { $0["training"] = ["optimizer": ["kind": "lbfgs"]] }) == "training.optimizer.kind")
    }

    @Test func schedules() {
        var s = ScheduleConfig(kind: "step")
        s.stepEpochs = 2
        s.gamma = 0.5
        #expect(s.learningRate(base: 1, epoch: 3, epochs: 10) == 0.5)
        #expect(abs(s.learningRate(base: 1, epoch: 4, epochs: 10) - 0.25) < 1e-15)
        let cosine = ScheduleConfig(kind: "cosine")
        #expect(cosine.learningRate(base: 1, epoch: 0, epochs: 5) == 1)
        #expect(abs(cosine.learningRate(base: 1, epoch: 4, epochs: 5)) < 1e-15)
    }
}

@Suite("Config reference: --help and README document every field")
struct ConfigReferenceTests {
    /// Dotted keys of every field the decoder accepts.
    static let decodableKeys: [String] = {
        func keys<K: CodingKey & CaseIterable>(_: K.Type, _ prefix: String) -> [String] { K.allCases.map { prefix + $0.stringValue } }
        return keys(TrainingConfig.CodingKeys.self, "") + keys(NetworkConfig.CodingKeys.self, "network.")
            + keys(DataConfig.CodingKeys.self, "data.") + keys(SyntheticTaskConfig.CodingKeys.self, "data.synthetic.")
            + keys(OptimizationConfig.CodingKeys.self, "training.") + keys(OptimizerConfig.CodingKeys.self, "training.optimizer.")
            + keys(ScheduleConfig.CodingKeys.self, "training.schedule.")
            + ["model.name", "model.surrogate.kind", "model.surrogate.scale", "model.parameters",
               "network.initialization.input", "network.initialization.input_gain",
               "network.initialization.input_scale", "network.initialization.input_rate", "network.initialization.recurrent_scale"]
    }()

    @Test func referenceCoversEveryLeafField() {
        let documented = Set(ConfigReference.fields.map(\.key))
        let sections: Set = ["model", "network", "data", "training", "data.synthetic", "training.optimizer", "training.schedule", "network.initialization"]
        for key in Self.decodableKeys where !sections.contains(key) {
            #expect(documented.contains(key), "\(key) is not in ConfigReference")
        }
    }

    @Test func readmeDocumentsEveryField() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for field in ConfigReference.fields { #expect(readme.contains("`\(field.key)`"), "README lacks \(field.key)") }
    }
}
