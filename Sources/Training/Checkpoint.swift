import Foundation
import LearningRules
import RealNumerics
import SpikeFiles
import Synchronization

// MARK: - Errors

/// Why a checkpoint could not be written, read, found or used. The description names the
/// file, then the field (HDF5 path) where one applies:
/// `run/checkpoints/step-00000120.h5: weights/hidden: has dimensions [64, 701], the network shape needs [128, 701]`.
public struct CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        /// No file or directory at the path, or a directory without any checkpoint.
        case fileNotFound
        /// Not an HDF5 file, or an HDF5 file that is not an e-prop checkpoint.
        case notCheckpoint
        /// A checkpoint whose write never finished (its completion marker is missing).
        case incomplete
        /// Truncated or corrupt: HDF5 cannot open or read it, or a checksum disagrees.
        case unreadable
        /// A field the format requires is absent.
        case missingField
        /// A field of the wrong element type or rank.
        case wrongType
        /// A field whose value is out of range or contradicts another (dimensions vs. shape,
        /// config vs. stored model); or, when writing, a checkpoint that contradicts itself.
        case invalidValue
        /// Written by a newer format version than this build reads.
        case unsupportedVersion
        /// Read as a precision (Float/Double) other than the one it was written in.
        case precisionMismatch
        /// Refused: its model, network shape or precision differs from what the run expects.
        case incompatible
        /// Creating, writing, syncing, renaming or linking failed; the previous files are intact.
        case writeFailed
    }

    public var kind: Kind
    /// The path of the file (or directory), as the caller gave it or as `resolve` found it.
    public var file: String
    /// The HDF5 path of the offending field, or nil for a problem with the whole file.
    public var field: String?
    /// What is wrong, in words.
    public var message: String

    public init(_ kind: Kind, file: String, field: String? = nil, message: String) {
        self.kind = kind
        self.file = file
        self.field = field
        self.message = message
    }

    public var description: String {
        field.map { "\(file): \($0): \(message)" } ?? "\(file): \(message)"
    }

    /// The same failure of the HDF5 layer, in checkpoint terms.
    init(_ error: SpikeFileError) {
        let kind: Kind = switch error.kind {
        case .fileNotFound: .fileNotFound
        case .notHDF5: .notCheckpoint
        case .missingField: .missingField
        case .wrongType: .wrongType
        case .writeFailed: .writeFailed
        case .countMismatch, .lengthMismatch, .empty: .invalidValue
        default: .unreadable
        }
        self.init(kind, file: error.file, field: error.field, message: error.message)
    }
}

/// Runs `body`, converting what the HDF5 layer throws to `CheckpointError` (other errors name `file`).
private func checkpointErrors<R>(file: String, _ body: () throws -> R) throws(CheckpointError) -> R {
    do {
        return try body()
    } catch let error as CheckpointError {
        throw error
    } catch let error as SpikeFileError {
        throw CheckpointError(error)
    } catch {
        throw CheckpointError(.unreadable, file: file, message: "\(error)")
    }
}

// MARK: - Contents

/// How far a run has got: enough, with the seed, to continue it exactly (the shuffle of each
/// epoch is derived from (seed, epoch), so no random-generator state needs saving).
public struct TrainingProgress: Codable, Equatable, Hashable, Sendable {
    /// Completed epochs = the 0-based index of the epoch in progress.
    public var epoch: Int
    /// Batches of epoch `epoch` already trained = the index of the next batch to run.
    public var batch: Int
    /// Optimizer updates applied in total (the global step).
    public var step: Int
    /// Running metric sums of the epoch in progress (the trainer's loss, correct and sample
    /// counts), summed over the ranks, so that the epoch's metrics after a resume equal an
    /// uninterrupted run's; empty when not kept. They do not affect the weights.
    public var epochTotals: [Double]

    public init(epoch: Int, batch: Int, step: Int, epochTotals: [Double] = []) {
        self.epoch = epoch
        self.batch = batch
        self.step = step
        self.epochTotals = epochTotals
    }
}

/// The HDF5 layout of a checkpoint (format version 1). Every integer is int64 except `seed`
/// (uint64); float arrays are float32 or float64 as `precision` says; strings are fixed-length
/// UTF-8 byte strings (h5py: `f["config"][()].decode()` or `f["config"].asstr()[()]`).
///
/// | HDF5 path                  | contents                                                        |
/// |----------------------------|-----------------------------------------------------------------|
/// | `model`                    | the neuron model's name ("lif", "alif", "rf")                   |
/// | `precision`                | "float32" or "float64"                                          |
/// | `seed`                     | the run's seed (weights, data, shuffles, feedback derive from it)|
/// | `config`                   | the run's whole config as JSON                                  |
/// | `network/inputs`, `network/hidden`, `network/classes` | N_in, H, C                           |
/// | `network/recurrent`, `network/bias` | 0 or 1                                                 |
/// | `weights/hidden`           | W, H × P; columns: inputs, then recurrent (if any), then bias   |
/// | `weights/readout`          | W_out, C × H                                                    |
/// | `weights/readout_bias`     | b_out, C                                                        |
/// | `parameter_checksum`       | FNV-1a of the flat parameters (hex), as in summary.json         |
/// | `optimizer/config`         | the optimizer's settings as JSON                                |
/// | `optimizer/step`           | updates applied (Adam's bias correction)                        |
/// | `optimizer/first_moment`   | Adam's m / SGD's velocity, flat like the parameters             |
/// | `optimizer/second_moment`  | Adam's v, flat; empty for SGD                                   |
/// | `optimizer/checksum`       | FNV-1a of the two moments (hex)                                 |
/// | `progress/epoch`, `progress/batch`, `progress/step` | see `TrainingProgress`                 |
/// | `progress/epoch_totals`    | float64, the epoch's running metric sums (optional when reading) |
/// | `format`, `format_version` | "eprop-checkpoint", 1: written last, so they mark a complete file |
enum CheckpointLayout {
    static let formatName = "eprop-checkpoint"
    static let format = "format"
    static let formatVersion = "format_version"
    static let model = "model"
    static let precision = "precision"
    static let seed = "seed"
    static let config = "config"
    static let network = "network"
    static let inputs = "network/inputs"
    static let hidden = "network/hidden"
    static let classes = "network/classes"
    static let recurrent = "network/recurrent"
    static let bias = "network/bias"
    static let weights = "weights"
    static let hiddenWeights = "weights/hidden"
    static let readoutWeights = "weights/readout"
    static let readoutBias = "weights/readout_bias"
    static let parameterChecksum = "parameter_checksum"
    static let optimizer = "optimizer"
    static let optimizerConfig = "optimizer/config"
    static let optimizerStep = "optimizer/step"
    static let firstMoment = "optimizer/first_moment"
    static let secondMoment = "optimizer/second_moment"
    static let optimizerChecksum = "optimizer/checksum"
    static let progress = "progress"
    static let epoch = "progress/epoch"
    static let batch = "progress/batch"
    static let step = "progress/step"
    static let epochTotals = "progress/epoch_totals"
}

/// What a checkpoint is, without its arrays: enough to choose the model and precision and
/// to refuse a checkpoint that does not fit a run, before reading any weights.
public struct CheckpointHeader: Equatable, Sendable {
    /// The file it was read from.
    public var path: String
    public var formatVersion: Int
    /// The neuron model's name.
    public var model: String
    /// "float32" or "float64".
    public var precision: String
    public var shape: NetworkShape
    public var seed: UInt64
    /// The run's config, decoded from `configJSON`.
    public var config: TrainingConfig
    /// The config exactly as stored.
    public var configJSON: String
    public var progress: TrainingProgress

    public init(path: String, formatVersion: Int, model: String, precision: String, shape: NetworkShape, seed: UInt64,
                config: TrainingConfig, configJSON: String, progress: TrainingProgress) {
        self.path = path
        self.formatVersion = formatVersion
        self.model = model
        self.precision = precision
        self.shape = shape
        self.seed = seed
        self.config = config
        self.configJSON = configJSON
        self.progress = progress
    }

    /// Reads and checks the header of the checkpoint at `path` (a file; see
    /// `CheckpointDirectory.resolve` for directories and `last`).
    public static func read(from path: String) throws(CheckpointError) -> CheckpointHeader {
        try checkpointErrors(file: path) {
            try HDF5ArrayStore.read(from: path) { file in try CheckpointHeader(reading: file) }
        }
    }

    /// Reads and checks every header field of an open file.
    fileprivate init(reading file: HDF5ArrayReader) throws {
        typealias L = CheckpointLayout
        path = file.path
        func invalid(_ field: String, _ message: String) -> CheckpointError {
            CheckpointError(.invalidValue, file: file.path, field: field, message: message)
        }
        guard file.contains(L.format), file.contains(L.formatVersion) else {
            throw file.contains(L.weights) || file.contains(L.model)
                ? CheckpointError(.incomplete, file: file.path, field: L.formatVersion,
                                  message: "missing: an incomplete checkpoint (its write was interrupted)")
                : CheckpointError(.notCheckpoint, file: file.path, message: "not an e-prop checkpoint (it has no \(L.format) field)")
        }
        let format = try file.readString(L.format)
        guard format == L.formatName else {
            throw CheckpointError(.notCheckpoint, file: file.path, field: L.format,
                                  message: "is \"\(format)\", not \"\(L.formatName)\": not an e-prop checkpoint")
        }
        formatVersion = Int(try file.readInt64(L.formatVersion))
        guard formatVersion >= 1 else { throw invalid(L.formatVersion, "is \(formatVersion), must be at least 1") }
        guard formatVersion <= checkpointFormatVersion else {
            throw CheckpointError(.unsupportedVersion, file: file.path, field: L.formatVersion,
                                  message: "is \(formatVersion): written by a newer eprop (this build reads versions up to \(checkpointFormatVersion))")
        }

        model = try file.readString(L.model)
        precision = try file.readString(L.precision)
        guard ["float32", "float64"].contains(precision) else { throw invalid(L.precision, "is \"\(precision)\", expected float32 or float64") }
        seed = try file.readUInt64(L.seed)

        func count(_ field: String, minimum: Int) throws -> Int {
            let value = try file.readInt64(field)
            guard value >= minimum, value <= Int32.max else { throw invalid(field, "is \(value), must be in \(minimum)...\(Int32.max)") }
            return Int(value)
        }
        func flag(_ field: String) throws -> Bool {
            let value = try file.readInt64(field)
            guard value == 0 || value == 1 else { throw invalid(field, "is \(value), must be 0 or 1") }
            return value == 1
        }
        shape = NetworkShape(inputs: try count(L.inputs, minimum: 1), hidden: try count(L.hidden, minimum: 1),
                             classes: try count(L.classes, minimum: 1), recurrent: try flag(L.recurrent), bias: try flag(L.bias))
        var epochTotals: [Double] = []
        if file.contains(L.epochTotals) {
            let (values, dimensions) = try file.readFloats(L.epochTotals, as: Double.self)
            guard dimensions.count == 1 else { throw invalid(L.epochTotals, "has dimensions \(dimensions), expected one") }
            epochTotals = values
        }
        progress = TrainingProgress(epoch: try count(L.epoch, minimum: 0), batch: try count(L.batch, minimum: 0),
                                    step: try count(L.step, minimum: 0), epochTotals: epochTotals)

        configJSON = try file.readString(L.config)
        do {
            config = try TrainingConfig.decode(Data(configJSON.utf8), source: L.config)
        } catch {
            throw invalid(L.config, "cannot be used as a config: \(error)")
        }
        if let contradiction = Self.contradiction(config: config, model: model, precision: precision, seed: seed, shape: shape) {
            throw invalid(L.config, contradiction)
        }
    }

    /// How `config` contradicts the other stored fields, or nil.
    fileprivate static func contradiction(config: TrainingConfig, model: String, precision: String, seed: UInt64, shape: NetworkShape) -> String? {
        let pairs: [(String, String, String)] = [
            ("model.name", config.model.name, model), ("precision", config.precision, precision), ("seed", "\(config.seed)", "\(seed)"),
            ("network.hidden", "\(config.network.hidden)", "\(shape.hidden)"),
            ("network.recurrent", "\(config.network.recurrent)", "\(shape.recurrent)"),
            ("network.bias", "\(config.network.bias)", "\(shape.bias)"),
        ]
        return pairs.first { $0.1 != $0.2 }.map { "has \($0.0) = \($0.1), but the checkpoint's weights are for \($0.2)" }
    }
}

/// The version of the layout this build writes, and the newest it reads.
let checkpointFormatVersion = 1

// MARK: - Refusal

extension CheckpointHeader {
    /// One line per difference between this checkpoint and what a run expects, each naming
    /// the field and both values: "checkpoint has hidden = 64, config has 128". The model's
    /// name, the shape's five fields and (when given) the precision are compared; `source`
    /// names where the expected values come from.
    public func mismatches(model: String, shape: NetworkShape, precision: String? = nil, source: String = "config") -> [String] {
        mismatches(model: model, shape: shape, precision: precision, sources: (source, source))
    }

    /// Throws `.incompatible`, naming every mismatch (see `mismatches`), unless this
    /// checkpoint fits a run of `model`, `shape` and (when given) `precision`.
    public func checkCompatible(model: String, shape: NetworkShape, precision: String? = nil, source: String = "config") throws(CheckpointError) {
        try refuse(mismatches(model: model, shape: shape, precision: precision, source: source))
    }

    /// Throws `.incompatible` unless this checkpoint fits `config` on data of `inputs`
    /// channels and `classes` classes: same model, same network shape and, with
    /// `checkPrecision`, same precision. Input and class counts are attributed to the data
    /// in the message ("checkpoint has inputs = 700, data has 350").
    public func checkCompatible(with config: TrainingConfig, inputs: Int, classes: Int, checkPrecision: Bool = true) throws(CheckpointError) {
        try refuse(mismatches(model: config.model.name, shape: config.shape(inputs: inputs, classes: classes),
                              precision: checkPrecision ? config.precision : nil, sources: ("config", "data")))
    }

    private func mismatches(model: String, shape expected: NetworkShape, precision: String?,
                            sources: (config: String, data: String)) -> [String] {
        var fields: [(String, String, String, String)] = [
            ("model", self.model, model, sources.config),
            ("inputs", "\(shape.inputs)", "\(expected.inputs)", sources.data),
            ("hidden", "\(shape.hidden)", "\(expected.hidden)", sources.config),
            ("classes", "\(shape.classes)", "\(expected.classes)", sources.data),
            ("recurrent", "\(shape.recurrent)", "\(expected.recurrent)", sources.config),
            ("bias", "\(shape.bias)", "\(expected.bias)", sources.config),
        ]
        if let precision { fields.append(("precision", self.precision, precision, sources.config)) }
        return fields.filter { $0.1 != $0.2 }.map { "checkpoint has \($0.0) = \($0.1), \($0.3) has \($0.2)" }
    }

    private func refuse(_ mismatches: [String]) throws(CheckpointError) {
        guard mismatches.isEmpty else {
            throw CheckpointError(.incompatible, file: path, message: "does not fit this run: " + mismatches.joined(separator: "; "))
        }
    }
}

// MARK: - The checkpoint

/// Everything needed to continue a run exactly or to evaluate it: the weights, the
/// optimizer's state, how far training got and the config (which holds the seed, the model and
/// every setting). One HDF5 file (see `CheckpointLayout`) that h5py opens:
/// `f["weights/hidden"]` is the H × P matrix, `f["progress/step"][()]` the global step.
public struct Checkpoint<F: RealScalar>: Equatable, Sendable {
    /// The run's config; its model, seed and precision are stored as fields of their own too.
    public var config: TrainingConfig
    public var parameters: NetworkParameters<F>
    public var optimizer: Optimizer<F>
    public var progress: TrainingProgress

    public init(config: TrainingConfig, parameters: NetworkParameters<F>, optimizer: Optimizer<F>, progress: TrainingProgress) {
        self.config = config
        self.parameters = parameters
        self.optimizer = optimizer
        self.progress = progress
    }

    public var shape: NetworkShape { parameters.shape }
    public var model: String { config.model.name }
    public var seed: UInt64 { config.seed }
    /// The config as stored: pretty JSON, sorted keys.
    public var configJSON: String { String(decoding: config.json(), as: UTF8.self) }

    /// Writes the checkpoint to `path` atomically (temporary file in the same directory,
    /// flushed, closed, fsynced, renamed over `path`; the directory fsynced): `path` holds its
    /// old content or all of the new, even if the process is killed at any instant.
    ///
    /// Fault injection: with `EPROP_FAULT_KILL_DURING_CHECKPOINT=N` in the environment, the
    /// N-th checkpoint this process writes (counting from 1) sends SIGKILL to the process
    /// after the weights are on disk in the temporary file and before the rest is written.
    ///
    /// - Throws: `.invalidValue` before creating anything when the checkpoint contradicts
    ///   itself (config vs. parameters, moments of the wrong size); `.writeFailed` when
    ///   creating, writing, syncing or renaming fails (the temporary file is removed).
    public func write(to path: String) throws(CheckpointError) {
        try write(to: path, interruption: CheckpointFaultInjection.interruptionForNextWrite())
    }

    /// `write(to:)` with `interruption`, when given, called with the temporary file's path
    /// once the weights are flushed to it: a test hook standing in for a kill (it throws, or
    /// does not return).
    func write(to path: String, interruption: ((_ temporaryPath: String) throws -> Void)?) throws(CheckpointError) {
        try validateForWriting(path)
        typealias L = CheckpointLayout
        let shape = self.shape, values = parameters.values
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let optimizerJSON = String(decoding: try checkpointErrors(file: path) { try encoder.encode(optimizer.config) }, as: UTF8.self)
        try checkpointErrors(file: path) {
            try HDF5ArrayStore.write(to: path) { file in
                try file.write(L.model, string: model)
                try file.write(L.precision, string: F.precisionName)
                try file.write(L.seed, uint64: seed)
                try file.write(L.config, string: configJSON)
                try file.createGroup(L.network)
                try file.write(L.inputs, int64: Int64(shape.inputs))
                try file.write(L.hidden, int64: Int64(shape.hidden))
                try file.write(L.classes, int64: Int64(shape.classes))
                try file.write(L.recurrent, int64: shape.recurrent ? 1 : 0)
                try file.write(L.bias, int64: shape.bias ? 1 : 0)
                try file.createGroup(L.weights)
                try file.write(L.hiddenWeights, floats: Array(values[shape.hiddenWeightsRange]), dimensions: [shape.hidden, shape.presynapticCount])
                try file.write(L.readoutWeights, floats: Array(values[shape.readoutWeightsRange]), dimensions: [shape.classes, shape.hidden])
                try file.write(L.readoutBias, floats: Array(values[shape.readoutBiasRange]), dimensions: [shape.classes])
                try file.write(L.parameterChecksum, string: hexChecksum(values))
                if let interruption {
                    try file.flush()
                    try interruption(file.temporaryPath)
                }
                try file.createGroup(L.optimizer)
                try file.write(L.optimizerConfig, string: optimizerJSON)
                try file.write(L.optimizerStep, int64: Int64(optimizer.step))
                try file.write(L.firstMoment, floats: optimizer.firstMoment, dimensions: [optimizer.firstMoment.count])
                try file.write(L.secondMoment, floats: optimizer.secondMoment, dimensions: [optimizer.secondMoment.count])
                try file.write(L.optimizerChecksum, string: hexChecksum(optimizer.firstMoment + optimizer.secondMoment))
                try file.createGroup(L.progress)
                try file.write(L.epoch, int64: Int64(progress.epoch))
                try file.write(L.batch, int64: Int64(progress.batch))
                try file.write(L.step, int64: Int64(progress.step))
                try file.write(L.epochTotals, floats: progress.epochTotals, dimensions: [progress.epochTotals.count])
                // Last: a file with these is complete.
                try file.write(L.format, string: L.formatName)
                try file.write(L.formatVersion, int64: Int64(checkpointFormatVersion))
            }
        }
    }

    /// Throws `.invalidValue` (naming `path`) if reading this checkpoint back would fail its checks.
    private func validateForWriting(_ path: String) throws(CheckpointError) {
        func invalid(_ message: String) -> CheckpointError { CheckpointError(.invalidValue, file: path, message: "cannot write: " + message) }
        if let contradiction = CheckpointHeader.contradiction(config: config, model: model, precision: F.precisionName, seed: seed, shape: shape) {
            throw invalid("the config " + contradiction)
        }
        let expectedSecond = optimizer.config.kind == "sgd" ? 0 : shape.parameterCount
        guard optimizer.firstMoment.count == shape.parameterCount, optimizer.secondMoment.count == expectedSecond else {
            throw invalid("the optimizer's moments hold \(optimizer.firstMoment.count) and \(optimizer.secondMoment.count) values, " +
                          "the network has \(shape.parameterCount) parameters (\(optimizer.config.kind))")
        }
        guard optimizer.step >= 0, progress.epoch >= 0, progress.batch >= 0, progress.step >= 0 else {
            throw invalid("negative step or progress (\(optimizer.step), \(progress))")
        }
    }

    /// Reads the checkpoint at `path` (a file; see `CheckpointDirectory.resolve`), checking
    /// every field: format and version, the header's consistency, each array's type and
    /// dimensions against the stored shape, the checksums.
    ///
    /// - Throws: `CheckpointError` naming the file (and field): `.precisionMismatch` when the
    ///   file holds the other precision than `F` (naming both), `.incomplete` for a file
    ///   whose write was interrupted, `.unreadable` for a truncated or corrupt one.
    public static func read(from path: String) throws(CheckpointError) -> Checkpoint<F> {
        try checkpointErrors(file: path) {
            try HDF5ArrayStore.read(from: path) { file in try Checkpoint(reading: file) }
        }
    }

    /// What a resume needs in one call: resolves `path` (a run directory, a checkpoints
    /// directory, `…/last` or a file; see `CheckpointDirectory.resolve`), refuses a checkpoint
    /// that does not fit `config` on data of `inputs` channels and `classes` classes (model,
    /// shape, precision; see `CheckpointHeader.checkCompatible`), then reads it.
    public static func load(from path: String, compatibleWith config: TrainingConfig, inputs: Int, classes: Int) throws(CheckpointError) -> Checkpoint<F> {
        let file = try CheckpointDirectory.resolve(path)
        try CheckpointHeader.read(from: file).checkCompatible(with: config, inputs: inputs, classes: classes)
        return try read(from: file)
    }

    /// The header of the checkpoint at `path`, without its arrays: `CheckpointHeader.read`.
    public static func peek(_ path: String) throws(CheckpointError) -> CheckpointHeader {
        try CheckpointHeader.read(from: path)
    }

    private init(reading file: HDF5ArrayReader) throws {
        typealias L = CheckpointLayout
        let header = try CheckpointHeader(reading: file)
        guard header.precision == F.precisionName else {
            throw CheckpointError(.precisionMismatch, file: file.path, field: L.precision,
                                  message: "the checkpoint is \(header.precision), but was read as \(F.precisionName)")
        }
        let shape = header.shape
        func array(_ field: String, _ dimensions: [Int]) throws -> [F] {
            let info = try file.info(field)
            guard info.elementClass == .float, info.elementSize == MemoryLayout<F>.size else {
                throw CheckpointError(.wrongType, file: file.path, field: field,
                                      message: "holds \(info), expected \(F.precisionName) values (the checkpoint's precision)")
            }
            guard info.dimensions == dimensions else {
                throw CheckpointError(.invalidValue, file: file.path, field: field,
                                      message: "has dimensions \(info.dimensions), the network shape needs \(dimensions)")
            }
            return try file.readFloats(field, as: F.self).values
        }
        func checksum(_ field: String, of values: [F], what: String) throws {
            guard file.contains(field) else { return }  // optional: a file edited in h5py may drop it
            let stored = try file.readString(field)
            guard stored == hexChecksum(values) else {
                throw CheckpointError(.unreadable, file: file.path, field: field,
                                      message: "the \(what) do not match their checksum \(stored): the file is corrupt")
            }
        }

        let values = try array(L.hiddenWeights, [shape.hidden, shape.presynapticCount])
            + array(L.readoutWeights, [shape.classes, shape.hidden]) + array(L.readoutBias, [shape.classes])
        try checksum(L.parameterChecksum, of: values, what: "weights")

        let optimizerJSON = try file.readString(L.optimizerConfig)
        let optimizerConfig: OptimizerConfig
        do {
            optimizerConfig = try JSONDecoder().decode(OptimizerConfig.self, from: Data(optimizerJSON.utf8))
            try optimizerConfig.validate()
        } catch {
            throw CheckpointError(.invalidValue, file: file.path, field: L.optimizerConfig, message: "cannot be used: \(error)")
        }
        var optimizer = Optimizer<F>(config: optimizerConfig, parameterCount: shape.parameterCount)
        let step = try file.readInt64(L.optimizerStep)
        guard step >= 0 else {
            throw CheckpointError(.invalidValue, file: file.path, field: L.optimizerStep, message: "is \(step), must be at least 0")
        }
        optimizer.step = Int(step)
        optimizer.firstMoment = try array(L.firstMoment, [optimizer.firstMoment.count])
        optimizer.secondMoment = try array(L.secondMoment, [optimizer.secondMoment.count])
        try checksum(L.optimizerChecksum, of: optimizer.firstMoment + optimizer.secondMoment, what: "optimizer moments")

        self.init(config: header.config, parameters: NetworkParameters(shape: shape, values: values), optimizer: optimizer,
                  progress: header.progress)
    }
}

/// FNV-1a of the bytes of `values` in hex: `TrainingSummary.parameterChecksum`'s format.
private func hexChecksum<F>(_ values: [F]) -> String {
    String(fnv1a(values), radix: 16)
}

// MARK: - Fault injection

/// The `EPROP_FAULT_KILL_DURING_CHECKPOINT=N` hook: counts this process's checkpoint writes
/// and, on the N-th, kills the process (SIGKILL, which nothing can catch or clean up after)
/// half-way through writing the temporary file, as a crash or `kill -9` would.
enum CheckpointFaultInjection {
    static let variable = "EPROP_FAULT_KILL_DURING_CHECKPOINT"
    private static let writes = Atomic<Int>(0)

    /// Counts one write; the interruption for it, or nil.
    static func interruptionForNextWrite() -> ((String) throws -> Void)? {
        let number = writes.add(1, ordering: .relaxed).newValue
        guard let text = ProcessInfo.processInfo.environment[variable], let target = Int(text), target == number else { return nil }
        return { temporary in
            FileHandle.standardError.write(Data("fault injection (\(variable)=\(target)): killing process \(getpid()) while it writes checkpoint \(number) (\(temporary))\n".utf8))
            kill(getpid(), SIGKILL)
            while true { pause() }
        }
    }
}

// MARK: - The checkpoints directory

/// A run's `checkpoints/` directory: files `step-00000120.h5` (global step, at least 8
/// digits), a symbolic link `last` to the newest, at most K kept.
///
/// Only the writer (rank 0) should call `save`; any process may `resolve` and read, also
/// while a run writes: files appear complete or not at all, `last` always points at a complete
/// file, and a process killed mid-write leaves only a hidden `.step-….tmp` file, which
/// listings ignore and the next `save` removes.
public struct CheckpointDirectory: Equatable, Sendable {
    /// The checkpoints directory itself.
    public let path: String

    /// The directory `path` (e.g. `DIR/checkpoints`).
    public init(path: String) {
        self.path = path
    }

    /// `runDirectory/checkpoints`.
    public init(runDirectory: String) {
        path = (runDirectory as NSString).appendingPathComponent("checkpoints")
    }

    /// A checkpoint file in the directory.
    public struct Entry: Equatable, Sendable {
        public var step: Int
        public var path: String
    }

    public static let lastName = "last"
    /// `path/last`.
    public var lastPath: String { (path as NSString).appendingPathComponent(Self.lastName) }

    /// "step-00000120.h5".
    public static func fileName(step: Int) -> String {
        let digits = String(step)
        return "step-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".h5"
    }

    /// The step of a file named like `fileName(step:)`, or nil.
    public static func step(fromFileName name: String) -> Int? {
        guard name.hasPrefix("step-"), name.hasSuffix(".h5") else { return nil }
        let digits = name.dropFirst(5).dropLast(3)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// `path/step-….h5` for `step`.
    public func filePath(step: Int) -> String {
        (path as NSString).appendingPathComponent(Self.fileName(step: step))
    }

    /// The checkpoint files present (regular files named `step-N.h5`), oldest step first;
    /// empty if the directory does not exist.
    public func entries() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.compactMap { name -> Entry? in
            guard let step = Self.step(fromFileName: name) else { return nil }
            let file = (path as NSString).appendingPathComponent(name)
            return isRegularFile(file) ? Entry(step: step, path: file) : nil
        }.sorted { ($0.step, $0.path) < ($1.step, $1.path) }
    }

    /// The file `last` leads to, if `last` exists and leads to a regular file (it is
    /// normally a symbolic link; a plain file named `last` counts too).
    public func lastTarget() -> String? {
        isRegularFile(lastPath) ? followLinks(lastPath) : nil
    }

    /// The newest checkpoint: `last`'s target, else (no `last`, or a dangling one) the file
    /// with the highest step.
    /// - Throws: `.fileNotFound` when the directory holds no checkpoint.
    public func latest() throws(CheckpointError) -> String {
        if let target = lastTarget() { return target }
        if let newest = entries().last { return newest.path }
        throw CheckpointError(.fileNotFound, file: path, message: isDirectory(path)
            ? "no checkpoint here (no \(Self.lastName) and no step-*.h5 file)" : "no such directory")
    }

    /// Writes `checkpoint` as `filePath(step: checkpoint.progress.step)` (atomically,
    /// replacing a file of the same step), then atomically points `last` at it, then removes
    /// all but the `keep` newest files (by step; never `last`'s target) and any temporary
    /// files that killed writers left. Creates the directory if needed. Returns the file's path.
    /// Removal is best effort: a file that cannot be removed stays.
    ///
    /// - Throws: `.writeFailed` (or `.invalidValue`, see `Checkpoint.write`); the previous
    ///   checkpoints and `last` are then as they were.
    @discardableResult
    public func save<F: RealScalar>(_ checkpoint: Checkpoint<F>, keep: Int) throws(CheckpointError) -> String {
        precondition(keep >= 1, "keep at least one checkpoint")
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError(.writeFailed, file: path, message: "cannot create the checkpoints directory: \(error.localizedDescription)")
        }
        let file = filePath(step: checkpoint.progress.step)
        try checkpoint.write(to: file)
        if let failure = AtomicFile.replaceSymbolicLink(lastPath, target: Self.fileName(step: checkpoint.progress.step)) {
            throw CheckpointError(.writeFailed, file: lastPath, message: failure)
        }
        prune(keep: keep)
        return file
    }

    /// Removes all but the `keep` newest checkpoint files (never `last`'s target) and the
    /// temporary files of interrupted writes; returns the paths removed.
    @discardableResult
    public func prune(keep: Int) -> [String] {
        precondition(keep >= 1, "keep at least one checkpoint")
        let protected = lastTarget().map(canonical)
        var removed: [String] = []
        for entry in entries().dropLast(keep) where canonical(entry.path) != protected {
            if unlink(entry.path) == 0 { removed.append(entry.path) }
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names where AtomicFile.isTemporaryName(name) && (name.hasPrefix(".step-") || name.hasPrefix(".\(Self.lastName).")) {
            let file = (path as NSString).appendingPathComponent(name)
            if unlink(file) == 0 { removed.append(file) }
        }
        return removed
    }

    /// The checkpoint file `path` means: a run directory (its `checkpoints/`'s newest), a
    /// checkpoints directory (its newest), `…/last` or another link (the file it leads to),
    /// or a checkpoint file itself. Newest is `last`'s target, else the highest step. The
    /// result is the file itself, never a link, so that a run moving `last` meanwhile cannot
    /// change what a caller peeks at and then reads.
    ///
    /// - Throws: `.fileNotFound` naming `path` when nothing is there, a link dangles, or a
    ///   directory holds no checkpoint.
    public static func resolve(_ path: String) throws(CheckpointError) -> String {
        if isDirectory(path) {
            let runCheckpoints = CheckpointDirectory(runDirectory: path)
            return try isDirectory(runCheckpoints.path) ? runCheckpoints.latest() : CheckpointDirectory(path: path).latest()
        }
        if isRegularFile(path) { return followLinks(path) }
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
            throw CheckpointError(.fileNotFound, file: path, message: "a link to \(target), which does not exist")
        }
        throw CheckpointError(.fileNotFound, file: path, message: FileManager.default.fileExists(atPath: path)
            ? "neither a checkpoint file nor a directory" : "no such file or directory")
    }
}

/// Whether `path` leads (through links) to a regular file.
private func isRegularFile(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
}

/// Whether `path` leads (through links) to a directory.
private func isDirectory(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
}

/// The path `path` leads to through symbolic links (relative targets taken relative to the
/// link's directory), as a path in the caller's terms (not made absolute).
private func followLinks(_ path: String) -> String {
    var current = path
    for _ in 0..<40 {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { return current }
        current = target.hasPrefix("/") ? target : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(target)
    }
    return current
}

/// `path` absolute with links resolved, for comparing two paths to one file.
private func canonical(_ path: String) -> String {
    URL(fileURLWithPath: path).resolvingSymlinksInPath().path
}
