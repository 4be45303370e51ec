import Distribution
import Foundation
import Training

enum ScaleCommand: Subcommand {
    static let name = "scale"
    static let summary = "memory and throughput scaling sweep: e-prop vs BPTT over H, T, ranks"
    static let usage = """
    usage: eprop scale --out DIR [--model alif[,lif,rf]] [--method eprop,bptt] [--hidden 256,512] [--steps 100,1000]
                       [--ranks 1,2] [--batch 32] [--inputs 700] [--classes 20] [--rate 0.03] [--updates 3]
                       [--recurrent] [--readout-leak 0] [--detach-reset] [--seed 1] [--full]
                       [--max-memory 80%|BYTES] [--timeout 1800] [--mpirun mpirun] [--dry-run]
           eprop scale --report DIR

    For every combination of method, model, ranks, H and T, runs --updates real training
    updates (the normal trainer, Adam, float32) on one global batch of synthetic SHD-shaped
    input (N_in Bernoulli channels, spike probability --rate per channel and step, streamed:
    each step's spikes are made when the engine runs it, so no input is held) in a fresh
    process group: `mpirun -np RANKS eprop scale --point …`, so each rank's peak resident
    memory (VmHWM) belongs to that point alone. Every rank reports its peak RSS, the
    estimator's byte accounting (traces, trajectory, network state, buffers), its input
    bytes, mean step time and all-reduce time.

    Writes DIR/scaling.csv (one row per point and rank), DIR/scaling.json, plots
    (memory_vs_hidden.svg, memory_vs_steps.svg, memory_vs_steps_eprop.svg,
    throughput_vs_ranks.svg; the analytical prediction dashed beside each measurement),
    DIR/report.md (fitted BPTT slopes, e-prop's peak(T_max)/peak(T_min), peak vs accounted
    bytes) and DIR/logs/ (each point's output). The defaults take a few minutes on 2 cores.

    A point whose predicted memory (all ranks on this machine) exceeds the budget is skipped
    with a message instead of being run.

    options:
      --out DIR          output directory (created); required
      --batch N          local batch per rank (global batch = N × ranks)
      --updates N        training updates per point (the step time is their mean)
      --full             the full sweep: --hidden 256,512,1024,2048 --steps 100,1000,2000,5000
                         (explicit --hidden/--steps win)
      --detach-reset     the model's detach_reset = 1 (lif, alif): e-prop's factorised path
      --max-memory X     memory budget for all ranks of a point: bytes (8G, 512M, …) or a
                         percentage of MemAvailable (default 80%)
      --timeout S        seconds before a point is killed and recorded as failed
      --mpirun CMD       the mpirun to use; extra options come from MPIRUN_OPTS
      --dry-run          print the plan and the predictions, run nothing
      --report DIR       redraw the plots and report.md of DIR/scaling.json (e.g. of an
                         interrupted sweep: scaling.csv and scaling.json are written after
                         every point)
    """

    static func run(_ arguments: inout Arguments) throws -> Int32 {
        if let directory = try arguments.option("--report") {
            try arguments.finish()
            try ScalingReport.load(directory: directory).write(to: directory)
            print("wrote \(directory)/report.md and plots")
            return 0
        }
        let pointMode = arguments.flag("--point")
        let full = arguments.flag("--full")
        var sweep = full ? ScalingSweep.full : ScalingSweep()
        sweep.models = try list(&arguments, "--model", default: sweep.models)
        sweep.methods = try list(&arguments, "--method", default: sweep.methods)
        sweep.hidden = try arguments.integers("--hidden", default: sweep.hidden)
        sweep.steps = try arguments.integers("--steps", default: sweep.steps)
        sweep.ranks = try arguments.integers("--ranks", default: sweep.ranks)
        sweep.localBatch = try arguments.integer("--batch", default: sweep.localBatch)
        sweep.inputs = try arguments.integer("--inputs", default: sweep.inputs)
        sweep.classes = try arguments.integer("--classes", default: sweep.classes)
        sweep.rate = try arguments.number("--rate", default: sweep.rate)
        sweep.updates = try arguments.integer("--updates", default: sweep.updates)
        sweep.recurrent = arguments.flag("--recurrent")
        sweep.readoutLeak = try arguments.number("--readout-leak", default: sweep.readoutLeak)
        sweep.detachReset = arguments.flag("--detach-reset")
        let seed = try arguments.integer("--seed", default: Int(sweep.seed))
        guard seed >= 0 else { throw UsageError("--seed must be non-negative, got \(seed)") }
        sweep.seed = UInt64(seed)
        do {
            try sweep.validate()
        } catch let error as TrainingError {
            throw UsageError(error.message)
        }

        if pointMode {
            try arguments.finish()
            let points = sweep.points()
            guard points.count == 1 else { throw UsageError("--point needs exactly one value per option, got \(points.count) points") }
            return try runPoint(points[0])
        }

        let out = try arguments.required("--out")
        let maxMemory = try arguments.option("--max-memory")
        let timeout = try arguments.number("--timeout", default: 1800)
        let mpirun = try arguments.option("--mpirun") ?? "mpirun"
        let dryRun = arguments.flag("--dry-run")
        try arguments.finish()
        guard timeout > 0 else { throw UsageError("--timeout must be positive, got \(timeout)") }

        var runner = ScalingSweepRunner(sweep: sweep, outputDirectory: out, binary: executablePath())
        runner.mpirun = mpirun
        runner.mpirunOptions = (ProcessInfo.processInfo.environment["MPIRUN_OPTS"] ?? "").split(separator: " ").map(String.init)
        runner.timeoutSeconds = timeout
        runner.dryRun = dryRun
        runner.log = { line in
            print(line)
            fflush(nil)  // progress shows at once when the output goes to a file
        }
        runner.commandLine = (["eprop"] + CommandLine.arguments.dropFirst()).map(shellQuoted).joined(separator: " ")
        if let maxMemory {
            if maxMemory.hasSuffix("%") {
                guard let percent = Double(maxMemory.dropLast()), percent > 0, percent <= 100 else {
                    throw UsageError("--max-memory expects a percentage in (0, 100] or a byte count, got \"\(maxMemory)\"")
                }
                guard let budget = ScalingMemoryBudget.available(fraction: percent / 100) else {
                    throw UsageError("--max-memory \(maxMemory): cannot read MemAvailable from /proc/meminfo")
                }
                runner.maxMemoryBytes = budget.bytes
            } else {
                guard let bytes = ScalingMemoryBudget.parseBytes(maxMemory) else {
                    throw UsageError("--max-memory expects bytes (e.g. 8G, 512M) or a percentage, got \"\(maxMemory)\"")
                }
                runner.maxMemoryBytes = bytes
            }
        }
        print("scaling sweep: \(sweep.points().count) point(s) → \(out)")
        let results = try runner.run()
        let failed = results.filter { $0.status == .failed }.count
        print("wrote \(out)/scaling.csv, scaling.json, report.md and plots" + (failed > 0 ? "; \(failed) point(s) failed" : ""))
        return failed > 0 ? 1 : 0
    }

    /// Runs one point under the launcher's communicator; rank 0 prints the measurement line.
    static func runPoint(_ point: ScalingPoint) throws -> Int32 {
        let comm = try Launch.makeCommunicator()
        let measurement = runCollectively(comm, "scaling point \(point.label)") { try runScalingPoint(point, communicator: comm) }
        if let measurement { print(measurement.outputLine) }
        return 0
    }

    static func list(_ arguments: inout Arguments, _ name: String, default value: [String]) throws -> [String] {
        guard let text = try arguments.option(name) else { return value }
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw UsageError("\(name) needs at least one value") }
        return items
    }

    /// This executable (each point runs the same binary).
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    static func shellQuoted(_ word: String) -> String {
        word.allSatisfy { $0.isLetter || $0.isNumber || "-_./,=:%+".contains($0) } ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
