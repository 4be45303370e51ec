import Distribution
import Foundation
import RealNumerics
import SpikeData
import Training

enum TrainCommand: Subcommand {
    static let name = "train"
    static let summary = "train a network (under mpirun: data parallel over the ranks)"
    static var usage: String { trainUsage + "\n\nconfig fields (JSON, snake_case; key, default, meaning):\n" + ConfigReference.text }
    static let trainUsage = """
    usage: eprop train --config FILE [--out DIR] [--debug] [--train FILE --test FILE] [--epochs N] [--quiet]
           eprop train --resume DIR [--config FILE] [--out DIR] …
           mpirun -np P eprop train --config FILE --out DIR

    Trains the network described by the config with online e-prop (or BPTT, training.method)
    and writes DIR/summary.json, DIR/metrics.jsonl and checkpoints under DIR/checkpoints/.

    options:
      --config FILE   JSON config (see README "Config reference"); required unless --resume
      --out DIR       run directory (created); without it nothing is written
      --resume PATH   continue a run: PATH is its run directory, DIR/checkpoints/last or a checkpoint
                      file. Weights, optimizer state and position are restored (bitwise the same
                      result as an uninterrupted run); the config is the checkpoint's unless
                      --config is given (its network must match); --out defaults to the run directory
      --debug         single-node debug mode: NaN/Inf guards on gradients and weights, e-prop vs
                      BPTT on the first batch (no recurrence), bitwise weight checks across ranks
      --train FILE    SHD-layout HDF5 training file (overrides data.train; sets data.source hdf5)
      --test FILE     SHD-layout HDF5 test file (overrides data.test)
      --epochs N      override training.epochs
      --quiet         no progress output
    """

    static func run(_ arguments: inout Arguments) throws -> Int32 {
        let configPath = try arguments.option("--config")
        let resume = try arguments.option("--resume")
        var out = try arguments.option("--out")
        let debug = arguments.flag("--debug")
        let quiet = arguments.flag("--quiet")
        let trainFile = try arguments.option("--train")
        let testFile = try arguments.option("--test")
        let epochs = try arguments.option("--epochs")
        try arguments.finish()

        var config: TrainingConfig
        if let configPath {
            config = try TrainingConfig.load(path: configPath)
        } else if let resume {
            config = try CheckpointHeader.read(from: CheckpointDirectory.resolve(resume)).config
        } else {
            throw UsageError("missing required option --config (or --resume)")
        }
        if let resume, out == nil { out = runDirectory(ofCheckpoint: resume) }
        if trainFile != nil || testFile != nil {
            config.data.source = "hdf5"
            if let trainFile { config.data.train = trainFile }
            if let testFile { config.data.test = testFile }
        }
        if let epochs {
            guard let n = Int(epochs) else { throw UsageError("--epochs expects an integer, got \"\(epochs)\"") }
            config.training.epochs = n
        }
        try config.validate()

        let comm = try Launch.makeCommunicator()
        StopSignal.install()
        let (train, test) = runCollectively(comm, "loading data") {
            // Fault injection for the tests: one rank failing must end the job, not hang it.
            if let rank = ProcessInfo.processInfo.environment["EPROP_FAULT_FAIL_RANK"], Int(rank) == comm.rank {
                throw TrainingError("injected fault (EPROP_FAULT_FAIL_RANK=\(rank))")
            }
            return try loadDatasets(config.data, seed: config.seed)
        }
        let summary = runCollectively(comm, "training") {
            try Training.train(config: config, train: train, test: test,
                               options: TrainOptions(outputDirectory: out, debug: debug, verbose: !quiet, resumeFrom: resume),
                               communicator: comm)
        }
        if comm.isRoot && !quiet {
            print(String(format: "done: train accuracy %.2f%%, test accuracy %.2f%%, %.0f samples/s", 100 * summary.trainAccuracy,
                         100 * summary.testAccuracy, summary.samplesPerSecond))
            if let out { print("summary: \((out as NSString).appendingPathComponent("summary.json"))") }
        }
        return 0
    }
}

/// The run directory `path` belongs to: DIR for DIR, DIR/checkpoints, DIR/checkpoints/last or
/// DIR/checkpoints/step-….h5; nil for a checkpoint file elsewhere.
func runDirectory(ofCheckpoint path: String) -> String? {
    var url = URL(fileURLWithPath: path).standardized
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.appendingPathComponent("checkpoints").path, isDirectory: &isDirectory), isDirectory.boolValue {
        return url.path
    }
    if url.lastPathComponent != "checkpoints" { url.deleteLastPathComponent() }
    return url.lastPathComponent == "checkpoints" ? url.deletingLastPathComponent().path : nil
}

enum MPICheckCommand: Subcommand {
    static let name = "mpi-check"
    static let summary = "check every collective operation across the ranks"
    static let usage = """
    usage: mpirun -np P eprop mpi-check

    Runs every collective the trainer uses and checks the results on every rank; prints
    "mpi-check ok rank R of P" per rank, or the failures and exits non-zero.
    """

    static func run(_ arguments: inout Arguments) throws -> Int32 {
        try arguments.finish()
        let comm = try Launch.makeCommunicator()
        let failures = collectiveSelfCheck(comm)
        if failures.isEmpty {
            print("mpi-check ok rank \(comm.rank) of \(comm.size)")
            return 0
        }
        for failure in failures { printError("rank \(comm.rank): \(failure)") }
        return 1
    }
}
