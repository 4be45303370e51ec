import Distribution
import Foundation
import RealNumerics
import SpikeData
import Training

enum TrainCommand: Subcommand {
    static let name = "train"
    static let summary = "train a network (under mpirun: data parallel over the ranks)"
    static let usage = """
    usage: eprop train --config FILE [--out DIR] [--debug] [--train FILE --test FILE] [--epochs N] [--quiet]
           mpirun -np P eprop train --config FILE --out DIR

    Trains the network described by the config with online e-prop (or BPTT, training.method)
    and writes DIR/summary.json, DIR/metrics.jsonl and checkpoints under DIR/checkpoints/.

    options:
      --config FILE   JSON config (see README "Config reference"); required
      --out DIR       run directory (created); without it nothing is written
      --debug         single-node debug mode: NaN/Inf guards on gradients and weights, e-prop vs
                      BPTT on the first batch (no recurrence), bitwise weight checks across ranks
      --train FILE    SHD-layout HDF5 training file (overrides data.train; sets data.source hdf5)
      --test FILE     SHD-layout HDF5 test file (overrides data.test)
      --epochs N      override training.epochs
      --quiet         no progress output
    """

    static func run(_ arguments: inout Arguments) throws -> Int32 {
        let configPath = try arguments.required("--config")
        let out = try arguments.option("--out")
        let debug = arguments.flag("--debug")
        let quiet = arguments.flag("--quiet")
        let trainFile = try arguments.option("--train")
        let testFile = try arguments.option("--test")
        let epochs = try arguments.option("--epochs")
        try arguments.finish()

        var config = try TrainingConfig.load(path: configPath)
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
        let (train, test) = runCollectively(comm, "loading data") { try loadDatasets(config.data, seed: config.seed) }
        let summary = runCollectively(comm, "training") {
            try Training.train(config: config, train: train, test: test,
                               options: TrainOptions(outputDirectory: out, debug: debug, verbose: !quiet), communicator: comm)
        }
        if comm.isRoot && !quiet {
            print(String(format: "done: train accuracy %.2f%%, test accuracy %.2f%%, %.0f samples/s", 100 * summary.trainAccuracy,
                         100 * summary.testAccuracy, summary.samplesPerSecond))
            if let out { print("summary: \((out as NSString).appendingPathComponent("summary.json"))") }
        }
        return 0
    }
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
