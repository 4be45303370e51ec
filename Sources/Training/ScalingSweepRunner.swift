import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Launches every point of a sweep in a fresh `mpirun` process group and collects the results.
///
/// The sweep process itself never initialises MPI: a process that has (even as a singleton)
/// carries PMIX_*/OMPI_* variables describing its own job, and a child `mpirun` inheriting them
/// fails. Those variables are removed from every child's environment, so a sweep started under
/// `mpirun -np 1` works too.
public struct ScalingSweepRunner {
    public var sweep: ScalingSweep
    /// Output directory (created): scaling.csv, scaling.json, report.md, SVG plots, logs/.
    public var outputDirectory: String
    /// The `eprop` executable each point runs.
    public var binary: String
    /// The `mpirun` command (looked up on PATH unless a path).
    public var mpirun = "mpirun"
    /// Extra mpirun options (MPIRUN_OPTS, split at spaces), e.g. "--mca btl self,vader".
    public var mpirunOptions: [String] = []
    /// A fixed memory budget for all ranks of a point; nil: 80 % of MemAvailable, read before each point.
    public var maxMemoryBytes: Int?
    /// A point still running after this many seconds is killed and recorded as failed.
    public var timeoutSeconds: Double = 1800
    /// Predict and decide without running anything.
    public var dryRun = false
    /// The command line that started the sweep (for the report).
    public var commandLine: String = ""
    /// Progress lines.
    public var log: (String) -> Void = { print($0) }

    /// The runtime floor (Swift, Foundation, Open MPI) assumed per rank before any point has
    /// measured it.
    public static let defaultRuntimeBytes = 96 << 20

    public init(sweep: ScalingSweep, outputDirectory: String, binary: String) {
        self.sweep = sweep
        self.outputDirectory = outputDirectory
        self.binary = binary
    }

    /// Runs the sweep, rewriting scaling.csv and scaling.json after every point and writing
    /// plots and report.md at the end. Returns every point's result.
    public func run() throws -> [ScalingPointResult] {
        try sweep.validate()
        let logs = (outputDirectory as NSString).appendingPathComponent("logs")
        do {
            try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        } catch {
            throw TrainingError("cannot create output directory \(outputDirectory): \(error.localizedDescription)")
        }
        let started = Date()
        let points = sweep.points()
        var results: [ScalingPointResult] = []
        var runtime = Self.defaultRuntimeBytes
        for (index, point) in points.enumerated() {
            let prediction = try ScalingMemoryModel.predict(point)
            let budget = try currentBudget()
            let perRank = prediction.total(runtime: runtime)
            let tag = "[\(index + 1)/\(points.count)] \(point.label)"
            if let reason = budget.skipReason(perRankBytes: perRank, ranks: point.ranks) {
                log("\(tag): skipped: \(reason)")
                results.append(ScalingPointResult(point: point, status: .skipped, message: reason, prediction: prediction, assumedRuntimeBytes: runtime))
            } else if dryRun {
                log("\(tag): would run, predicted \(mib(perRank)) per rank")
                results.append(ScalingPointResult(point: point, status: .skipped, message: "dry run", prediction: prediction, assumedRuntimeBytes: runtime))
            } else {
                let t0 = Date()
                let logPath = (logs as NSString).appendingPathComponent(point.slug + ".log")
                var result = ScalingPointResult(point: point, status: .failed, prediction: prediction, assumedRuntimeBytes: runtime)
                result.loadAverage = Self.loadAverage()
                do {
                    let measurement = try launch(point, logPath: logPath)
                    result.status = .ok
                    result.measurement = measurement
                    runtime = max(runtime == Self.defaultRuntimeBytes ? 0 : runtime, measurement.ranks.map(\.startupResidentBytes).max() ?? 0)
                    let m = measurement
                    log(String(format: "%@: peak RSS %@ per rank (predicted %@), traces %@, trajectory %@, %.1f samples/s, %.0f%% all-reduce, %.1f s",
                               tag, mib(m.peakResidentBytes), mib(result.predictedPeak(rank: 0)), mib(m.ranks[0].memory.traces),
                               mib(m.ranks[0].memory.trajectory), m.samplesPerSecond,
                               100 * (m.ranks.map { $0.allReduceSeconds / max($0.stepSeconds * Double(m.updates), 1e-12) }.max() ?? 0),
                               Date().timeIntervalSince(t0)))
                } catch {
                    result.message = "\(error)"
                    log("\(tag): FAILED: \(error)")
                }
                result.launchSeconds = Date().timeIntervalSince(t0)
                results.append(result)
            }
            try ScalingReport(sweep: sweep, results: results, commandLine: commandLine, started: started).writeTables(to: outputDirectory)
        }
        let report = ScalingReport(sweep: sweep, results: results, commandLine: commandLine, started: started,
                                   wallSeconds: Date().timeIntervalSince(started))
        try report.write(to: outputDirectory)
        return results
    }

    func currentBudget() throws -> ScalingMemoryBudget {
        if let maxMemoryBytes { return ScalingMemoryBudget(bytes: maxMemoryBytes, source: "--max-memory") }
        guard let budget = ScalingMemoryBudget.available() else {
            throw TrainingError("cannot read MemAvailable from /proc/meminfo; pass --max-memory BYTES")
        }
        return budget
    }

    /// The 1-minute load average (/proc/loadavg), nil where unavailable.
    static func loadAverage() -> Double? {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.flatMap { Double($0) }
    }

    /// The command that runs `point`: mpirun with its options, the binary, the point's options.
    public func launchArguments(_ point: ScalingPoint) -> [String] {
        var arguments = [mpirun, "-np", "\(point.ranks)"]
        if getuid() == 0 { arguments.append("--allow-run-as-root") }
        arguments += ["--oversubscribe", "--bind-to", "none"] + mpirunOptions
        return arguments + [binary, "scale", "--point"] + point.commandArguments
    }

    /// The environment of a point's process group: ours without MPI's wiring variables.
    public static func childEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        environment.filter { key, _ in !["OMPI_", "PMIX_", "PMI_", "OPAL_"].contains(where: { key.hasPrefix($0) }) }
    }

    /// Runs one point, output (both streams) to `logPath`; parses rank 0's measurement line.
    func launch(_ point: ScalingPoint, logPath: String) throws -> ScalingPointMeasurement {
        guard FileManager.default.createFile(atPath: logPath, contents: nil), let output = FileHandle(forWritingAtPath: logPath) else {
            throw TrainingError("cannot create \(logPath)")
        }
        defer { try? output.close() }
        let arguments = launchArguments(point)
        output.write(Data(("$ " + arguments.joined(separator: " ") + "\n").utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = Self.childEnvironment()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw TrainingError("cannot start \(mpirun): \(error.localizedDescription)")
        }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.waitUntilExit()
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        if timedOut { throw TrainingError("timed out after \(Int(timeoutSeconds)) s (log: \(logPath))") }
        guard process.terminationStatus == 0, let measurement = ScalingPointMeasurement.parse(output: text) else {
            let tail = text.split(separator: "\n").suffix(8).joined(separator: "\n    ")
            throw TrainingError("exit status \(process.terminationStatus) (log: \(logPath)):\n    \(tail)")
        }
        return measurement
    }
}

func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
