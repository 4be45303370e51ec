import Foundation
import LearningRules
import NeuronModels
import RealNumerics
import SpikeFiles
import Testing
@testable import Training

/// Runs `body` with a fresh empty directory, removed afterwards.
private func inScratchDirectory(_ body: (String) throws -> Void) throws {
    let path = NSTemporaryDirectory() + "eprop-checkpoint-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    try body(path)
}

/// A small recurrent network with biases: N_in 7, H 5, C 3, so P = 7 + 5 + 1 = 13.
private func makeConfig(precision: String = "float32", hidden: Int = 5, model: String = "alif", optimizer: String = "adam") -> TrainingConfig {
    var config = TrainingConfig(model: ModelSpec(name: model), network: NetworkConfig(hidden: hidden, recurrent: true, bias: true),
                                data: DataConfig(synthetic: SyntheticTaskConfig(inputs: 7, steps: 10, classes: 3, trainSamples: 8, testSamples: 4)))
    config.precision = precision
    config.seed = 0xDEAD_BEEF_0123_4567  // above Int64.max: the seed is stored as uint64
    config.training.optimizer = OptimizerConfig(kind: optimizer, learningRate: 3e-3)
    config.training.optimizer.weightDecay = 0.01
    return config
}

/// Values that exercise every bit: signed zeros, subnormals, extremes, a NaN with a payload.
private func awkwardValues<F: RealScalar>(_ count: Int, salt: UInt64) -> [F] {
    var rng = Xoshiro256(seed: salt, stream: 1)
    var values = (0..<count).map { _ in F(rng.normal()) }
    let specials: [F] = [-0.0, 0.0, F.leastNonzeroMagnitude, -F.leastNormalMagnitude / 3, F.greatestFiniteMagnitude,
                         -F.infinity, nanWithPayload(), F.ulpOfOne]
    for (i, special) in specials.enumerated() where i < count { values[(i * 7 + Int(salt)) % count] = special }
    return values
}

/// A quiet NaN carrying a payload (bits a conversion would be likely to lose).
private func nanWithPayload<F: RealScalar>() -> F {
    F(sign: .minus, exponentBitPattern: F.RawExponent((1 << F.exponentBitCount) - 1),
      significandBitPattern: F.RawSignificand(1) << (F.significandBitCount - 1) | 0x15)
}

/// A checkpoint of `makeConfig(...)` part-way through a run, every array full of awkward values.
private func makeCheckpoint<F: RealScalar>(_: F.Type, step: Int = 120, optimizer kind: String = "adam", hidden: Int = 5) -> Checkpoint<F> {
    let config = makeConfig(precision: F.precisionName, hidden: hidden, optimizer: kind)
    let shape = config.shape(inputs: 7, classes: 3)
    var optimizer = Optimizer<F>(config: config.training.optimizer, parameterCount: shape.parameterCount)
    optimizer.step = step
    optimizer.firstMoment = awkwardValues(shape.parameterCount, salt: 2)
    if kind != "sgd" { optimizer.secondMoment = awkwardValues(shape.parameterCount, salt: 3).map { abs($0) } }
    return Checkpoint(config: config, parameters: NetworkParameters(shape: shape, values: awkwardValues(shape.parameterCount, salt: UInt64(step))),
                      optimizer: optimizer, progress: TrainingProgress(epoch: 2, batch: 7, step: step, epochTotals: [12.25, 17, 24]))
}

/// The bytes of `values`: equal exactly when the values are equal bit for bit (NaN payloads, signed zeros).
private func bits<F: RealScalar>(_ values: [F]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
}

/// Expects `a` and `b` to be the same checkpoint bit for bit.
private func expectBitwiseEqual<F: RealScalar>(_ a: Checkpoint<F>, _ b: Checkpoint<F>, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(bits(a.parameters.values) == bits(b.parameters.values), "parameters", sourceLocation: sourceLocation)
    #expect(bits(a.optimizer.firstMoment) == bits(b.optimizer.firstMoment), "first moment", sourceLocation: sourceLocation)
    #expect(bits(a.optimizer.secondMoment) == bits(b.optimizer.secondMoment), "second moment", sourceLocation: sourceLocation)
    #expect(a.optimizer.step == b.optimizer.step && a.optimizer.config == b.optimizer.config, sourceLocation: sourceLocation)
    #expect(a.parameters.shape == b.parameters.shape, sourceLocation: sourceLocation)
    #expect(a.progress == b.progress, sourceLocation: sourceLocation)
    #expect(a.config == b.config, sourceLocation: sourceLocation)
    #expect(a.configJSON == b.configJSON, sourceLocation: sourceLocation)
}

/// Expects `body` to throw a `CheckpointError` of `kind` whose description starts with
/// `file` and contains every string of `mentions`.
@discardableResult
private func expectCheckpointError(_ kind: CheckpointError.Kind, file: String, field: String? = nil, mentions: [String] = [],
                                   sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> CheckpointError? {
    let error = #expect(throws: CheckpointError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return nil }
    #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
    #expect(error.file == file, "\(error)", sourceLocation: sourceLocation)
    #expect(error.description.hasPrefix(file + ": "), "\(error)", sourceLocation: sourceLocation)
    if let field { #expect(error.field == field, "\(error)", sourceLocation: sourceLocation) }
    for text in mentions { #expect(error.description.contains(text), "\(error) should mention \(text)", sourceLocation: sourceLocation) }
    return error
}

@Suite("Checkpoints: exact round trips, rotation, resolution, refusal, atomicity")
struct CheckpointTests {
    // MARK: Round trips

    @Test("Float and Double checkpoints come back bit for bit", arguments: ["adam", "adamw", "sgd"])
    func roundTrip(optimizer: String) throws {
        try inScratchDirectory { directory in
            let single = makeCheckpoint(Float.self, optimizer: optimizer)
            try single.write(to: directory + "/single.h5")
            expectBitwiseEqual(try Checkpoint<Float>.read(from: directory + "/single.h5"), single)

            let double = makeCheckpoint(Double.self, optimizer: optimizer)
            try double.write(to: directory + "/double.h5")
            expectBitwiseEqual(try Checkpoint<Double>.read(from: directory + "/double.h5"), double)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["double.h5", "single.h5"])
        }
    }

    @Test("SGD's empty second moment stays empty")
    func sgdSecondMoment() throws {
        try inScratchDirectory { directory in
            try makeCheckpoint(Float.self, optimizer: "sgd").write(to: directory + "/c.h5")
            let read = try Checkpoint<Float>.read(from: directory + "/c.h5")
            #expect(read.optimizer.secondMoment.isEmpty && read.optimizer.config.kind == "sgd")
        }
    }

    @Test("the same state gives the same bytes (no timestamps in the file)")
    func reproducibleBytes() throws {
        try inScratchDirectory { directory in
            try makeCheckpoint(Float.self).write(to: directory + "/a.h5")
            Thread.sleep(forTimeInterval: 1.1)  // HDF5's object times have a resolution of seconds
            try makeCheckpoint(Float.self).write(to: directory + "/b.h5")
            #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/a.h5")) == Data(contentsOf: URL(fileURLWithPath: directory + "/b.h5")))
        }
    }

    @Test("peek reads the header without the arrays")
    func peek() throws {
        try inScratchDirectory { directory in
            let checkpoint = makeCheckpoint(Double.self, step: 42)
            try checkpoint.write(to: directory + "/c.h5")
            let header = try Checkpoint<Float>.peek(directory + "/c.h5")  // any F: the header is precision-free
            #expect(header == CheckpointHeader(path: directory + "/c.h5", formatVersion: 1, model: "alif", precision: "float64",
                                               shape: checkpoint.shape, seed: 0xDEAD_BEEF_0123_4567, config: checkpoint.config,
                                               configJSON: checkpoint.configJSON, progress: TrainingProgress(epoch: 2, batch: 7, step: 42, epochTotals: [12.25, 17, 24])))
            #expect(try CheckpointHeader.read(from: directory + "/c.h5") == header)
        }
    }

    @Test("the weights are stored as shaped matrices, the rest with the documented types")
    func layout() throws {
        try inScratchDirectory { directory in
            let checkpoint = makeCheckpoint(Float.self)
            let shape = checkpoint.shape  // H 5, P 13, C 3
            try checkpoint.write(to: directory + "/c.h5")
            let (infos, hiddenRows, strings) = try HDF5ArrayStore.read(from: directory + "/c.h5") { file in
                let fields = ["weights/hidden", "weights/readout", "weights/readout_bias", "optimizer/first_moment", "optimizer/second_moment",
                              "optimizer/step", "progress/epoch", "progress/batch", "progress/step", "network/hidden", "seed", "format_version"]
                let infos = try fields.map { try file.info($0) }
                let strings = try ["model", "precision", "format", "config", "optimizer/config"].map { try file.readString($0) }
                return (infos, try file.readFloats("weights/hidden", as: Float.self).values, strings)
            }
            #expect(infos.map(\.description) == [
                "float32 [5, 13]", "float32 [3, 5]", "float32 [3]", "float32 [\(shape.parameterCount)]", "float32 [\(shape.parameterCount)]",
                "int64 scalar", "int64 scalar", "int64 scalar", "int64 scalar", "int64 scalar", "uint64 scalar", "int64 scalar",
            ])
            #expect(bits(hiddenRows) == bits(Array(checkpoint.parameters.values[shape.hiddenWeightsRange])))
            #expect(strings[0...2] == ["alif", "float32", "eprop-checkpoint"])
            #expect(try TrainingConfig.decode(Data(strings[3].utf8)) == checkpoint.config)
            #expect(strings[4].contains("\"kind\":\"adam\""))
        }
    }

    // MARK: The directory

    @Test("saving keeps the newest K by step and points last at the newest")
    func rotation() throws {
        try inScratchDirectory { run in
            let checkpoints = CheckpointDirectory(runDirectory: run)
            for step in [10, 20, 30, 40, 50] {
                let written = try checkpoints.save(makeCheckpoint(Float.self, step: step), keep: 3)
                #expect(written == run + "/checkpoints/" + CheckpointDirectory.fileName(step: step))
                #expect(try FileManager.default.destinationOfSymbolicLink(atPath: run + "/checkpoints/last") == CheckpointDirectory.fileName(step: step))
            }
            #expect(checkpoints.entries().map(\.step) == [30, 40, 50])
            #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).sorted()
                    == ["last", "step-00000030.h5", "step-00000040.h5", "step-00000050.h5"])
            expectBitwiseEqual(try Checkpoint<Float>.read(from: checkpoints.lastPath), makeCheckpoint(Float.self, step: 50))

            // Saving a step again replaces its file.
            var again = makeCheckpoint(Float.self, step: 50)
            again.progress.batch = 0
            try checkpoints.save(again, keep: 3)
            #expect(checkpoints.entries().map(\.step) == [30, 40, 50])
            #expect(try Checkpoint<Float>.read(from: checkpoints.lastPath).progress.batch == 0)
        }
    }

    @Test("the file last points to is never removed, even when it is not among the newest K")
    func lastIsProtected() throws {
        try inScratchDirectory { run in
            let checkpoints = CheckpointDirectory(runDirectory: run)
            try checkpoints.save(makeCheckpoint(Float.self, step: 100), keep: 1)
            try checkpoints.save(makeCheckpoint(Float.self, step: 200), keep: 1)
            // A run resumed from an older state writes a lower step than what is there.
            try checkpoints.save(makeCheckpoint(Float.self, step: 150), keep: 1)
            #expect(checkpoints.entries().map(\.step) == [150, 200])
            #expect(try CheckpointDirectory.resolve(run) == checkpoints.filePath(step: 150))
            #expect(CheckpointDirectory.fileName(step: 123_456_789) == "step-123456789.h5")
            #expect(CheckpointDirectory.step(fromFileName: "step-123456789.h5") == 123_456_789)
            #expect(CheckpointDirectory.step(fromFileName: ".step-00000001.h5.ab12.tmp") == nil)
        }
    }

    @Test("resolve accepts a run directory, its checkpoints directory, last, and a file")
    func resolve() throws {
        try inScratchDirectory { run in
            let checkpoints = CheckpointDirectory(runDirectory: run)
            try checkpoints.save(makeCheckpoint(Float.self, step: 8), keep: 5)
            try checkpoints.save(makeCheckpoint(Float.self, step: 16), keep: 5)
            let newest = checkpoints.filePath(step: 16)
            #expect(try CheckpointDirectory.resolve(run) == newest)
            #expect(try CheckpointDirectory.resolve(run + "/") == newest)
            #expect(try CheckpointDirectory.resolve(run + "/checkpoints") == newest)
            #expect(try CheckpointDirectory.resolve(run + "/checkpoints/last") == newest)
            #expect(try CheckpointDirectory.resolve(checkpoints.filePath(step: 8)) == checkpoints.filePath(step: 8))
            // A link of the user's own, relative, from elsewhere.
            #expect(symlink("checkpoints/last", run + "/mine") == 0)
            #expect(try CheckpointDirectory.resolve(run + "/mine") == newest)
            // A relative path (from the working directory, which tests must not change).
            let up = FileManager.default.currentDirectoryPath.split(separator: "/").map { _ in ".." }.joined(separator: "/")
            let relative = up + run
            #expect(try CheckpointDirectory.resolve(relative + "/checkpoints/last") == relative + "/checkpoints/step-00000016.h5")
            #expect(try CheckpointDirectory.resolve(relative) == relative + "/checkpoints/step-00000016.h5")
        }
    }

    @Test("without last (or with a dangling one) the highest step is the newest")
    func resolveWithoutLast() throws {
        try inScratchDirectory { run in
            let checkpoints = CheckpointDirectory(runDirectory: run)
            try checkpoints.save(makeCheckpoint(Float.self, step: 9), keep: 5)
            try checkpoints.save(makeCheckpoint(Float.self, step: 10), keep: 5)
            #expect(unlink(checkpoints.lastPath) == 0)
            #expect(try CheckpointDirectory.resolve(run) == checkpoints.filePath(step: 10))
            #expect(symlink("step-00000077.h5", checkpoints.lastPath) == 0)
            #expect(try CheckpointDirectory.resolve(run) == checkpoints.filePath(step: 10))
            expectCheckpointError(.fileNotFound, file: checkpoints.lastPath, mentions: ["step-00000077.h5"]) {
                _ = try CheckpointDirectory.resolve(checkpoints.lastPath)
            }
        }
    }

    @Test("resolve names the path when there is nothing to load")
    func resolveNothing() throws {
        try inScratchDirectory { run in
            expectCheckpointError(.fileNotFound, file: run + "/nope", mentions: ["no such file"]) { _ = try CheckpointDirectory.resolve(run + "/nope") }
            expectCheckpointError(.fileNotFound, file: run, mentions: ["no checkpoint"]) { _ = try CheckpointDirectory.resolve(run) }
            try FileManager.default.createDirectory(atPath: run + "/checkpoints", withIntermediateDirectories: false)
            expectCheckpointError(.fileNotFound, file: run + "/checkpoints", mentions: ["no checkpoint"]) { _ = try CheckpointDirectory.resolve(run) }
        }
    }

    // MARK: Refusal

    @Test("a checkpoint of another shape, model or precision is refused, naming the mismatch")
    func refusal() throws {
        try inScratchDirectory { directory in
            let path = directory + "/c.h5"
            try makeCheckpoint(Float.self, hidden: 64).write(to: path)
            let header = try CheckpointHeader.read(from: path)
            try header.checkCompatible(with: makeConfig(hidden: 64), inputs: 7, classes: 3)

            expectCheckpointError(.incompatible, file: path, mentions: ["checkpoint has hidden = 64, config has 128"]) {
                try header.checkCompatible(with: makeConfig(hidden: 128), inputs: 7, classes: 3)
            }
            expectCheckpointError(.incompatible, file: path, mentions: ["checkpoint has model = alif, config has lif"]) {
                try header.checkCompatible(with: makeConfig(hidden: 64, model: "lif"), inputs: 7, classes: 3)
            }
            expectCheckpointError(.incompatible, file: path, mentions: ["checkpoint has precision = float32, config has float64"]) {
                try header.checkCompatible(with: makeConfig(precision: "float64", hidden: 64), inputs: 7, classes: 3)
            }
            try header.checkCompatible(with: makeConfig(precision: "float64", hidden: 64), inputs: 7, classes: 3, checkPrecision: false)
            expectCheckpointError(.incompatible, file: path, mentions: ["checkpoint has inputs = 7, data has 350", "checkpoint has classes = 3, data has 20"]) {
                try header.checkCompatible(with: makeConfig(hidden: 64), inputs: 350, classes: 20)
            }
            var noRecurrence = makeConfig(hidden: 64)
            noRecurrence.network.recurrent = false
            noRecurrence.network.bias = false
            expectCheckpointError(.incompatible, file: path, mentions: ["checkpoint has recurrent = true, config has false",
                                                                        "checkpoint has bias = true, config has false"]) {
                try header.checkCompatible(with: noRecurrence, inputs: 7, classes: 3)
            }
            #expect(header.mismatches(model: "alif", shape: NetworkShape(inputs: 7, hidden: 64, classes: 3, recurrent: true, bias: true)) == [])
            #expect(header.mismatches(model: "rf", shape: NetworkShape(inputs: 7, hidden: 32, classes: 3, recurrent: true, bias: true),
                                      precision: "float32", source: "eval") == ["checkpoint has model = alif, eval has rf",
                                                                                "checkpoint has hidden = 64, eval has 32"])
        }
    }

    @Test("load resolves, refuses a mismatch before reading, and reads")
    func load() throws {
        try inScratchDirectory { run in
            let saved = makeCheckpoint(Double.self, step: 30, hidden: 6)
            let file = try CheckpointDirectory(runDirectory: run).save(saved, keep: 2)
            expectBitwiseEqual(try Checkpoint<Double>.load(from: run, compatibleWith: saved.config, inputs: 7, classes: 3), saved)
            expectCheckpointError(.incompatible, file: file, mentions: ["checkpoint has hidden = 6, config has 5"]) {
                _ = try Checkpoint<Double>.load(from: run, compatibleWith: makeConfig(precision: "float64"), inputs: 7, classes: 3)
            }
            expectCheckpointError(.incompatible, file: file, mentions: ["checkpoint has precision = float64, config has float32"]) {
                _ = try Checkpoint<Float>.load(from: run + "/checkpoints/last", compatibleWith: makeConfig(hidden: 6), inputs: 7, classes: 3)
            }
        }
    }

    @Test("reading as the other precision is an error naming both")
    func precisionMismatch() throws {
        try inScratchDirectory { directory in
            try makeCheckpoint(Double.self).write(to: directory + "/d.h5")
            try makeCheckpoint(Float.self).write(to: directory + "/f.h5")
            expectCheckpointError(.precisionMismatch, file: directory + "/d.h5", field: "precision", mentions: ["float64", "float32"]) {
                _ = try Checkpoint<Float>.read(from: directory + "/d.h5")
            }
            expectCheckpointError(.precisionMismatch, file: directory + "/f.h5", field: "precision", mentions: ["float32", "float64"]) {
                _ = try Checkpoint<Double>.read(from: directory + "/f.h5")
            }
        }
    }

    @Test("a checkpoint that contradicts itself is not written")
    func invalidCheckpointNotWritten() throws {
        try inScratchDirectory { directory throws in
            var mislabelled = makeCheckpoint(Float.self)
            mislabelled.config.precision = "float64"
            expectCheckpointError(.invalidValue, file: directory + "/c.h5", mentions: ["precision"]) { try mislabelled.write(to: directory + "/c.h5") }
            var wrongMoments = makeCheckpoint(Float.self)
            wrongMoments.optimizer.secondMoment = []
            expectCheckpointError(.invalidValue, file: directory + "/c.h5", mentions: ["moments"]) { try wrongMoments.write(to: directory + "/c.h5") }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [])
        }
    }

    // MARK: Damaged files

    @Test("a truncated checkpoint is an error naming the file, at every length")
    func truncated() throws {
        try inScratchDirectory { directory in
            let path = directory + "/c.h5"
            try makeCheckpoint(Float.self).write(to: path)
            let whole = try Data(contentsOf: URL(fileURLWithPath: path))
            for length in Set([0, 8, 100, 512, 1024, 2048, whole.count / 2, whole.count - 100, whole.count - 1]) {
                try whole.prefix(length).write(to: URL(fileURLWithPath: path))
                let error = #expect(throws: CheckpointError.self, "\(length) of \(whole.count) bytes") { _ = try Checkpoint<Float>.read(from: path) }
                #expect(error?.description.hasPrefix(path + ": ") == true, "\(String(describing: error))")
                #expect(throws: CheckpointError.self) { _ = try CheckpointHeader.read(from: path) }
            }
        }
    }

    @Test("damaged weights fail their checksum")
    func corruptWeights() throws {
        try inScratchDirectory { directory in
            let path = directory + "/c.h5"
            let checkpoint = makeCheckpoint(Float.self)
            try checkpoint.write(to: path)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            // The readout bias's raw bytes are stored contiguously; flip a bit in them.
            let pattern = Array(checkpoint.parameters.values[checkpoint.shape.readoutBiasRange]).withUnsafeBytes { Data($0) }
            let range = try #require(bytes.range(of: pattern))
            bytes[range.lowerBound + 1] ^= 0x10
            try bytes.write(to: URL(fileURLWithPath: path))
            expectCheckpointError(.unreadable, file: path, field: "parameter_checksum", mentions: ["corrupt"]) {
                _ = try Checkpoint<Float>.read(from: path)
            }
        }
    }

    @Test("files that are not checkpoints are named as such")
    func notCheckpoints() throws {
        try inScratchDirectory { directory in
            let text = directory + "/notes.txt"
            try "not HDF5".write(toFile: text, atomically: false, encoding: .utf8)
            expectCheckpointError(.notCheckpoint, file: text) { _ = try Checkpoint<Float>.read(from: text) }
            let other = directory + "/other.h5"
            try HDF5ArrayStore.write(to: other) { try $0.write("labels", int64: 3) }
            expectCheckpointError(.notCheckpoint, file: other, mentions: ["not an e-prop checkpoint"]) { _ = try CheckpointHeader.read(from: other) }
            expectCheckpointError(.fileNotFound, file: directory + "/none.h5") { _ = try Checkpoint<Float>.read(from: directory + "/none.h5") }
            expectCheckpointError(.notCheckpoint, file: directory) { _ = try Checkpoint<Float>.read(from: directory) }
        }
    }

    // MARK: Atomicity

    @Test("a write interrupted mid-file leaves the previous checkpoint in force, bit for bit")
    func interruptedWrite() throws {
        struct Killed: Error {}
        try inScratchDirectory { run in
            let checkpoints = CheckpointDirectory(runDirectory: run)
            let first = makeCheckpoint(Float.self, step: 1)
            try checkpoints.save(first, keep: 3)

            // What a kill at the hook leaves: the partly written temporary file, as it stood.
            let partial = AtomicFile.temporaryPath(for: checkpoints.filePath(step: 2))
            let interruption: (String) throws -> Void = { temporary in
                #expect(FileManager.default.fileExists(atPath: temporary))
                try FileManager.default.copyItem(atPath: temporary, toPath: partial)
                throw Killed()
            }
            do {
                try makeCheckpoint(Float.self, step: 2).write(to: checkpoints.filePath(step: 2), interruption: interruption)
                Issue.record("the interrupted write returned")
            } catch let error as CheckpointError {
                #expect(error.file == checkpoints.filePath(step: 2), "\(error)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).sorted()
                    == [(partial as NSString).lastPathComponent, "last", "step-00000001.h5"])
            #expect(checkpoints.entries().map(\.step) == [1])
            #expect(try CheckpointDirectory.resolve(run) == checkpoints.filePath(step: 1))
            #expect(try CheckpointDirectory.resolve(checkpoints.lastPath) == checkpoints.filePath(step: 1))
            expectBitwiseEqual(try Checkpoint<Float>.read(from: CheckpointDirectory.resolve(run)), first)
            // The partial file itself, if someone points at it, is refused as incomplete.
            expectCheckpointError(.incomplete, file: partial, mentions: ["interrupted"]) { _ = try Checkpoint<Float>.read(from: partial) }

            // The next save clears the leftover.
            try checkpoints.save(makeCheckpoint(Float.self, step: 3), keep: 3)
            #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).sorted()
                    == ["last", "step-00000001.h5", "step-00000003.h5"])
        }
    }

    @Test("a failed save (unwritable target) leaves last and the previous file intact")
    func failedSave() throws {
        try inScratchDirectory { run in
            let checkpoints = CheckpointDirectory(runDirectory: run)
            let first = makeCheckpoint(Double.self, step: 5)
            try checkpoints.save(first, keep: 3)
            // A non-empty directory where the next file would go: the rename fails.
            try FileManager.default.createDirectory(atPath: checkpoints.filePath(step: 6) + "/x", withIntermediateDirectories: true)
            expectCheckpointError(.writeFailed, file: checkpoints.filePath(step: 6)) { try checkpoints.save(makeCheckpoint(Double.self, step: 6), keep: 3) }
            #expect(try CheckpointDirectory.resolve(run) == checkpoints.filePath(step: 5))
            expectBitwiseEqual(try Checkpoint<Double>.read(from: CheckpointDirectory.resolve(run)), first)
            #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).sorted() == ["last", "step-00000005.h5", "step-00000006.h5"])
        }
    }

    @Test("the fault-injection hook is off unless its variable names this write")
    func faultHookOff() {
        #expect(ProcessInfo.processInfo.environment[CheckpointFaultInjection.variable] == nil)
        #expect(CheckpointFaultInjection.interruptionForNextWrite() == nil)
    }
}
