import BPTTReference
import Distribution
import Foundation
import LearningRules
import NeuronModels
import RealNumerics
import SpikeData

/// Options of `eprop train` that are not part of the config.
public struct TrainOptions: Sendable {
    /// Run directory for summary, metrics and checkpoints (rank 0 writes it); nil: no files.
    public var outputDirectory: String?
    /// Single-node debug mode: NaN/Inf guards, e-prop vs BPTT on the first batch, weight
    /// checksums across ranks every epoch.
    public var debug = false
    /// Print progress lines (rank 0 only).
    public var verbose = true
    /// A checkpoint (file, `…/checkpoints/last` or run directory) to continue from: rank 0
    /// reads it and broadcasts weights, optimizer state and position to every rank.
    public var resumeFrom: String?

    public init(outputDirectory: String? = nil, debug: Bool = false, verbose: Bool = true, resumeFrom: String? = nil) {
        self.outputDirectory = outputDirectory
        self.debug = debug
        self.verbose = verbose
        self.resumeFrom = resumeFrom
    }
}

/// What a finished run reports (written as DIR/summary.json).
public struct TrainingSummary: Codable, Sendable, Equatable {
    public var model: String
    public var method: String
    public var precision: String
    public var ranks: Int
    public var epochs: Int
    public var steps: Int
    public var trainAccuracy: Double
    public var trainLoss: Double
    public var testAccuracy: Double
    public var testLoss: Double
    public var samplesPerSecond: Double
    public var wallSeconds: Double
    public var peakResidentBytesPerRank: [Double]
    /// Fraction of training-step time spent in the gradient all-reduce.
    public var allReduceShare: Double
    /// FNV-1a hash of the final parameter bytes (equal on every rank).
    public var parameterChecksum: String
    /// Mean wall seconds of one update of this run (gradient, all-reduce, optimizer) on rank 0.
    public var meanStepSeconds: Double
    /// The same over the updates after this run's first, which also faults in fresh buffers
    /// (equal to `meanStepSeconds` for a one-update run): the steady-state step time.
    public var steadyStepSeconds: Double
    /// Total seconds rank 0 spent in the gradient all-reduce.
    public var allReduceSeconds: Double
    /// The gradient estimator's byte accounting on rank 0 (traces, trajectory, state, buffers).
    public var memory: MemoryAccount
    /// Whether SIGINT/SIGTERM ended the run early (after a final checkpoint).
    public var stopped: Bool

    enum CodingKeys: String, CodingKey {
        case model, method, precision, ranks, epochs, steps
        case trainAccuracy = "train_accuracy"
        case trainLoss = "train_loss"
        case testAccuracy = "test_accuracy"
        case testLoss = "test_loss"
        case samplesPerSecond = "samples_per_second"
        case wallSeconds = "wall_seconds"
        case peakResidentBytesPerRank = "peak_rss_bytes_per_rank"
        case allReduceShare = "allreduce_share"
        case parameterChecksum = "parameter_checksum"
        case meanStepSeconds = "mean_step_seconds"
        case steadyStepSeconds = "steady_step_seconds"
        case allReduceSeconds = "allreduce_seconds"
        case memory, stopped
    }
}

/// A failure during training that the user can act on.
public struct TrainingError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Trains the network `config` describes on `train`, evaluating on `test`, over the ranks of
/// `communicator` (data parallel: each rank takes its slice of every global batch; gradients
/// are summed by one all-reduce per update). Rank 0 alone prints and writes files.
public func train(config: TrainingConfig, train: any SampleSet, test: any SampleSet, options: TrainOptions,
                  communicator: any Communicator) throws -> TrainingSummary {
    let visitor = TrainingVisitor(config: config, train: train, test: test, options: options, communicator: communicator)
    return try ModelRegistry.visit(config.model, visitor)
}

private struct TrainingVisitor: NeuronModelVisitor {
    let config: TrainingConfig
    let train: any SampleSet
    let test: any SampleSet
    let options: TrainOptions
    let communicator: any Communicator

    func visit<Model: NeuronModel>(_ model: Model) throws -> TrainingSummary {
        if config.precision == "float64" {
            return try TrainingSession<Model, Double>(model: model, visitor: self).run()
        }
        return try TrainingSession<Model, Float>(model: model, visitor: self).run()
    }
}

/// One training run, specialised for a model and a precision.
private struct TrainingSession<Model: NeuronModel, F: RealScalar> {
    let model: Model
    let config: TrainingConfig
    let train: any SampleSet
    let test: any SampleSet
    let options: TrainOptions
    let comm: any Communicator
    let shape: NetworkShape
    let output: RunDirectory?

    init(model: Model, visitor v: TrainingVisitor) throws {
        self.model = model
        config = v.config
        train = v.train
        test = v.test
        options = v.options
        comm = v.communicator
        shape = config.shape(inputs: train.channelCount, classes: train.classCount)
        output = try v.options.outputDirectory.map { try RunDirectory(path: $0, isWriter: v.communicator.isRoot) }
    }

    /// Runs with the configured method. The estimator is a generic parameter, never an
    /// existential: a call through `any GradientEstimator` would dispatch to the unspecialised
    /// generic code (dual numbers through witness tables, ~50× slower).
    func run() throws -> TrainingSummary {
        config.training.method == "bptt"
            ? try run(estimator: BPTT<Model, F>(model: model, shape: shape, readout: config.network.readout))
            : try run(estimator: EProp<Model, F>(model: model, shape: shape, readout: config.network.readout, feedbackSeed: config.seed))
    }

    func log(_ line: String) {
        if comm.isRoot && options.verbose { print(line) }
    }

    func run<Estimator: GradientEstimator>(estimator: Estimator) throws -> TrainingSummary where Estimator.Real == F {
        let G = config.training.batchSize, ranks = comm.size
        try checkDataMatches()
        guard G % ranks == 0 else {
            throw TrainingError("training.batch_size \(G) does not split evenly over \(ranks) ranks; use a multiple of \(ranks)")
        }
        guard train.count >= G else {
            throw TrainingError("training.batch_size \(G) exceeds the \(train.count) training samples")
        }
        let local = G / ranks
        let batchesPerEpoch = train.count / G
        let epochs = config.training.epochs

        // Rank 0 initialises (or resumes); everyone receives the same bits.
        var state = TrainingState(parameters: NetworkParameters<F>.initialized(shape: shape, seed: config.seed, initialization: config.network.initialization),
                                  optimizer: Optimizer<F>(config: config.training.optimizer, parameterCount: shape.parameterCount))
        if let path = options.resumeFrom, comm.isRoot { state = try loadCheckpoint(path) }
        state.broadcast(from: 0, over: comm)
        var gradient = [F](repeating: 0, count: shape.parameterCount)

        log("training \(Model.name) (\(config.training.method), \(F.precisionName)) H=\(shape.hidden) P=\(shape.presynapticCount) " +
            "on \(train.count) samples × T=\(train.steps), global batch \(G) over \(ranks) rank(s)" +
            (state.progress.step > 0 ? ", resuming at epoch \(state.progress.epoch + 1) batch \(state.progress.batch + 1) (update \(state.progress.step))" : ""))
        if options.debug && !shape.recurrent && state.progress.step == 0 {
            try checkFirstBatchAgainstBPTT(parameters: state.parameters, indices: Array(0..<local).map { comm.rank * local + $0 })
        }

        let progress = ProgressReporter(totalSteps: epochs * batchesPerEpoch, firstStep: state.progress.step, enabled: comm.isRoot && options.verbose)
        let start = Date()
        var stepSeconds = 0.0, firstStepSeconds = 0.0, allReduceSeconds = 0.0, trainedSamples = 0, updates = 0
        var lastTrain = (loss: 0.0, accuracy: 0.0), lastTest = (loss: 0.0, accuracy: 0.0)
        var curve: [(epoch: Int, trainLoss: Double, trainAccuracy: Double, testLoss: Double, testAccuracy: Double)] = []
        var stopped = false
        let batches = BatchPrefetcher(samples: train)
        training: while state.progress.epoch < epochs {
            let epoch = state.progress.epoch
            var shuffle = Xoshiro256(seed: config.seed, stream: 0xE90C + UInt64(epoch))
            let order = shuffle.permutation(train.count)
            let learningRate = config.training.schedule.learningRate(base: config.training.optimizer.learningRate, epoch: epoch, epochs: epochs)
            while state.progress.batch < batchesPerEpoch {
                let first = state.progress.batch * G + comm.rank * local
                let batch = try batches.batch(Array(order[first..<(first + local)]))
                if state.progress.batch + 1 < batchesPerEpoch {
                    batches.prefetch(Array(order[(first + G)..<(first + G + local)]))
                }
                let t0 = Date()
                for i in gradient.indices { gradient[i] = 0 }
                let stats = estimator.accumulateGradient(of: batch, parameters: state.parameters, into: &gradient)
                let t1 = Date()
                comm.allReduceSum(generic: &gradient)
                allReduceSeconds += Date().timeIntervalSince(t1)
                let scale = F(1) / F(G)
                for i in gradient.indices { gradient[i] *= scale }
                if options.debug { try guardFinite(gradient, what: "gradient", step: state.progress.step) }
                let norm = clipGlobalNorm(&gradient, maxNorm: config.training.clipNorm)
                state.optimizer.apply(gradient: gradient, to: &state.parameters.values, learningRate: learningRate)
                if options.debug { try guardFinite(state.parameters.values, what: "weights", step: state.progress.step) }
                let seconds = Date().timeIntervalSince(t0)
                if updates == 0 { firstStepSeconds = seconds }
                stepSeconds += seconds
                updates += 1
                state.progress.step += 1
                state.progress.batch += 1
                trainedSamples += G
                state.progress.epochTotals[0] += stats.loss
                state.progress.epochTotals[1] += Double(stats.correct)
                state.progress.epochTotals[2] += Double(stats.samples)
                progress.update(step: state.progress.step, epoch: epoch, epochs: epochs, loss: stats.loss / Double(max(stats.samples, 1)))
                if config.training.logEverySteps > 0 && state.progress.step % config.training.logEverySteps == 0 {
                    var m = [stats.loss, Double(stats.correct), Double(stats.samples)]
                    comm.allReduceSum(&m)
                    output?.appendMetrics([
                        "kind": "step", "epoch": epoch, "step": state.progress.step, "loss": m[0] / m[2], "train_accuracy": m[1] / m[2],
                        "learning_rate": learningRate, "gradient_norm": norm, "samples_per_second": Double(trainedSamples) / stepSeconds,
                    ])
                }
                // Every rank stops at the same update: a signal may reach ranks at different times.
                var stop = [StopSignal.isRequested ? 1.0 : 0.0]
                if ranks > 1 { comm.allReduceMax(&stop) }
                if stop[0] > 0 {
                    stopped = true
                    try saveCheckpoint(state)
                    progress.line("stopped by signal after update \(state.progress.step); final checkpoint written")
                    break training
                }
                if state.progress.batch < batchesPerEpoch, config.training.checkpointEverySteps > 0, state.progress.step % config.training.checkpointEverySteps == 0 {
                    try saveCheckpoint(state)
                }
            }
            var totals = state.progress.epochTotals
            comm.allReduceSum(&totals)
            lastTrain = (totals[0] / totals[2], totals[1] / totals[2])
            lastTest = try evaluate(estimator: estimator, parameters: state.parameters)
            curve.append((epoch + 1, lastTrain.loss, lastTrain.accuracy, lastTest.loss, lastTest.accuracy))
            let peaks = comm.gather([Double(ResourceUsage.peakResidentBytes())], root: 0)
            if options.debug { try checkWeightsIdentical(state.parameters.values, epoch: epoch) }
            output?.appendMetrics([
                "kind": "epoch", "epoch": epoch, "step": state.progress.step, "loss": lastTrain.loss, "train_accuracy": lastTrain.accuracy,
                "test_loss": lastTest.loss, "test_accuracy": lastTest.accuracy, "learning_rate": learningRate,
                "samples_per_second": Double(trainedSamples) / max(stepSeconds, 1e-9), "peak_rss_bytes_per_rank": peaks,
            ])
            progress.line(String(format: "epoch %3d/%d  loss %.4f  train %5.1f%%  test loss %.4f  test %5.1f%%  %.0f samples/s",
                                 epoch + 1, epochs, lastTrain.loss, 100 * lastTrain.accuracy, lastTest.loss,
                                 100 * lastTest.accuracy, Double(trainedSamples) / max(stepSeconds, 1e-9)))
            state.progress.epoch += 1
            state.progress.batch = 0
            state.progress.epochTotals = [0, 0, 0]
            try saveCheckpoint(state)
        }
        let peaks = comm.gather([Double(ResourceUsage.peakResidentBytes())], root: 0)
        let summary = TrainingSummary(
            model: Model.name, method: config.training.method, precision: F.precisionName, ranks: ranks,
            epochs: state.progress.epoch, steps: state.progress.step, trainAccuracy: lastTrain.accuracy, trainLoss: lastTrain.loss,
            testAccuracy: lastTest.accuracy, testLoss: lastTest.loss,
            samplesPerSecond: Double(trainedSamples) / max(stepSeconds, 1e-9), wallSeconds: Date().timeIntervalSince(start),
            peakResidentBytesPerRank: peaks, allReduceShare: allReduceSeconds / max(stepSeconds, 1e-9),
            parameterChecksum: checksum(state.parameters.values), meanStepSeconds: stepSeconds / Double(max(updates, 1)),
            steadyStepSeconds: updates > 1 ? (stepSeconds - firstStepSeconds) / Double(updates - 1) : stepSeconds,
            allReduceSeconds: allReduceSeconds, memory: estimator.memory, stopped: stopped)
        try output?.writeSummary(summary)
        try output?.writeLearningCurve(curve)
        return summary
    }

    /// Writes `state` as the newest checkpoint of the run directory (rank 0; the epoch totals
    /// are summed over the ranks first, so every rank must call this).
    func saveCheckpoint(_ state: TrainingState<F>) throws {
        guard let output else { return }
        var progress = state.progress
        comm.allReduceSum(&progress.epochTotals)
        guard output.isWriter else { return }
        try CheckpointDirectory(runDirectory: output.path).save(
            Checkpoint(config: config, parameters: state.parameters, optimizer: state.optimizer, progress: progress),
            keep: config.training.keepCheckpoints)
    }

    /// The state saved in the checkpoint at `path` (a file, `…/last` or a run directory),
    /// refused if its model, shape or precision differ from this run's.
    func loadCheckpoint(_ path: String) throws -> TrainingState<F> {
        let checkpoint = try Checkpoint<F>.load(from: CheckpointDirectory.resolve(path), compatibleWith: config,
                                                inputs: train.channelCount, classes: train.classCount)
        var state = TrainingState(parameters: checkpoint.parameters, optimizer: checkpoint.optimizer)
        state.progress = checkpoint.progress
        return state
    }

    /// Loss and accuracy on the test set, each rank evaluating every P-th sample.
    func evaluate<Estimator: GradientEstimator>(estimator: Estimator, parameters: NetworkParameters<F>) throws -> (loss: Double, accuracy: Double)
    where Estimator.Real == F {
        let mine = Array(stride(from: comm.rank, to: test.count, by: comm.size))
        var totals = [0.0, 0.0, 0.0]
        try BatchPrefetcher(samples: test).forEachBatch(of: mine, size: 64) { _, batch in
            let stats = estimator.evaluate(batch, parameters: parameters)
            totals[0] += stats.loss
            totals[1] += Double(stats.correct)
            totals[2] += Double(stats.samples)
        }
        comm.allReduceSum(&totals)
        return totals[2] > 0 ? (totals[0] / totals[2], totals[1] / totals[2]) : (0, 0)
    }

    func checkDataMatches() throws {
        guard test.channelCount == train.channelCount, test.classCount == train.classCount, test.steps == train.steps || test.count == 0 else {
            throw TrainingError("train and test data differ in shape: \(train.channelCount) vs \(test.channelCount) channels, " +
                                "\(train.classCount) vs \(test.classCount) classes, T \(train.steps) vs \(test.steps)")
        }
    }

    func guardFinite(_ values: [F], what: String, step: Int) throws {
        guard let bad = values.firstIndex(where: { !$0.isFinite }) else { return }
        let tensor: String
        switch bad {
        case shape.hiddenWeightsRange: tensor = "hidden layer W[\(bad / shape.presynapticCount), \(bad % shape.presynapticCount)]"
        case shape.readoutWeightsRange: tensor = "readout W_out[\((bad - shape.readoutWeightsRange.lowerBound) / shape.hidden), \((bad - shape.readoutWeightsRange.lowerBound) % shape.hidden)]"
        default: tensor = "readout bias b_out[\(bad - shape.readoutBiasRange.lowerBound)]"
        }
        throw TrainingError("debug check failed at step \(step) on rank \(comm.rank): \(what) of \(tensor) is \(values[bad])")
    }

    /// Debug mode: e-prop must equal BPTT on the first batch when there is no explicit recurrence.
    func checkFirstBatchAgainstBPTT(parameters: NetworkParameters<F>, indices: [Int]) throws {
        let batch = try train.batch(indices)
        var eprop = [F](repeating: 0, count: shape.parameterCount), bptt = eprop
        _ = EProp<Model, F>(model: model, shape: shape, readout: config.network.readout).accumulateGradient(of: batch, parameters: parameters, into: &eprop)
        _ = BPTT<Model, F>(model: model, shape: shape, readout: config.network.readout).accumulateGradient(of: batch, parameters: parameters, into: &bptt)
        let comparison = GradientComparison(eprop: Array(eprop[shape.hiddenWeightsRange]), bptt: Array(bptt[shape.hiddenWeightsRange]))
        let tolerance = F.self == Float.self ? 1e-4 : 1e-9
        if config.network.feedback == .symmetric && comparison.maxRelativeError > tolerance {
            throw TrainingError("debug check failed on rank \(comm.rank): e-prop and BPTT disagree on the first batch (max rel. error \(comparison.maxRelativeError) > \(tolerance))")
        }
        log(String(format: "debug: e-prop vs BPTT on the first batch: max rel. error %.2e, cosine %.8f", comparison.maxRelativeError, comparison.cosine))
    }

    /// Debug mode: every rank must hold bitwise the same weights.
    func checkWeightsIdentical(_ values: [F], epoch: Int) throws {
        let hash = Double(bitPattern: fnv1a(values) & 0x000F_FFFF_FFFF_FFFF)  // finite, exact
        var extremes = [hash, -hash]
        comm.allReduceMax(&extremes)
        guard extremes[0] == -extremes[1] else {
            throw TrainingError("debug check failed after epoch \(epoch + 1): weights differ between ranks (checksums disagree)")
        }
    }

    func checksum(_ values: [F]) -> String { String(fnv1a(values), radix: 16) }
}

/// FNV-1a over the bytes of `values`.
func fnv1a<F>(_ values: [F]) -> UInt64 {
    values.withUnsafeBytes { bytes in
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return h
    }
}
