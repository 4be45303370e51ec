import Foundation
import LearningRules
import Testing
import TestSupport
import Training

/// End-to-end runs of the built `eprop` binary: one process against `mpirun -np 2`, resume
/// after a kill, a failing rank. Serialized: each launches MPI jobs on the two cores.
@Suite("Distributed training and resume (eprop binary, mpirun)", .serialized,
       .enabled(if: EPropBinary.supports("eval"), "the eprop binary is not built next to the tests"))
struct DistributedTrainingTests {
    /// A small synthetic run: 12 updates over 2 epochs, checkpoints every 4 updates.
    func writeConfig(in directory: String) throws -> String {
        var config = try shippedConfig("synthetic-exact.json")
        config.network.hidden = 24
        config.data.synthetic!.trainSamples = 96
        config.data.synthetic!.testSamples = 48
        config.training.epochs = 2
        config.training.batchSize = 16
        config.training.checkpointEverySteps = 4
        config.training.keepCheckpoints = 10
        config.training.logEverySteps = 2
        let path = directory + "/config.json"
        try config.json().write(to: URL(fileURLWithPath: path))
        return path
    }

    func train(_ arguments: [String], ranks: Int, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let (executable, args) = ranks == 1 ? (EPropBinary.path, ["train", "--quiet"] + arguments)
                                            : EPropBinary.mpirun(ranks: ranks, ["train", "--quiet"] + arguments)
        return try EPropBinary.run(executable, args, timeoutSeconds: 300, environment: environment)
    }

    func finalParameters(_ run: String) throws -> [Float] {
        try Checkpoint<Float>.read(from: CheckpointDirectory.resolve(run)).parameters.values
    }

    @Test("2 ranks with global batch G give the weights of 1 process with batch G")
    func twoRanksMatchOneProcess() throws {
        let dir = temporaryDirectory()
        let config = try writeConfig(in: dir)
        let one = try train(["--config", config, "--out", dir + "/one"], ranks: 1)
        #expect(one.status == 0, "\(one.output)")
        // Debug mode under mpirun adds the e-prop vs BPTT check and the per-epoch bitwise
        // weight comparison across ranks; it must pass and not change the result.
        let two = try train(["--config", config, "--out", dir + "/two", "--debug"], ranks: 2)
        #expect(two.status == 0, "\(two.output)")
        let (a, b) = (try finalParameters(dir + "/one"), try finalParameters(dir + "/two"))
        let difference = GradientComparison(eprop: b, bptt: a).maxRelativeError
        #expect(difference <= 1e-5, "max relative weight difference \(difference)")
        // The same comparison from outside, through `eprop eval --json`.
        let evals = try [dir + "/one", dir + "/two"].map { run -> [String: Any] in
            let r = try EPropBinary.run(EPropBinary.path, ["eval", "--checkpoint", run, "--json"], timeoutSeconds: 120)
            #expect(r.status == 0, "\(r.output)")
            return try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as! [String: Any]
        }
        #expect(evals[0]["samples"] as? Int == 48 && evals[1]["samples"] as? Int == 48)
        #expect(abs((evals[0]["loss"] as! Double) - (evals[1]["loss"] as! Double)) <= 1e-4 * abs(evals[0]["loss"] as! Double))
        #expect(evals[0]["accuracy"] as? Double == evals[1]["accuracy"] as? Double)
        let summaries = try [dir + "/one", dir + "/two"].map {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: $0 + "/summary.json"))) as! [String: Any]
        }
        #expect((summaries[1]["peak_rss_bytes_per_rank"] as? [Double])?.count == 2)
    }

    @Test("killed during a checkpoint write, resumed from the last checkpoint: bitwise the uninterrupted weights",
          arguments: [1, 2])
    func killAndResume(ranks: Int) throws {
        let dir = temporaryDirectory()
        let config = try writeConfig(in: dir)
        let full = try train(["--config", config, "--out", dir + "/full"], ranks: ranks)
        #expect(full.status == 0, "\(full.output)")
        // Dies while writing its 2nd checkpoint (update 8): the one at update 4 must stay valid.
        let killed = try train(["--config", config, "--out", dir + "/cut"], ranks: ranks,
                               environment: ["EPROP_FAULT_KILL_DURING_CHECKPOINT": "2"])
        #expect(killed.status != 0)
        #expect(try Checkpoint<Float>.peek(CheckpointDirectory.resolve(dir + "/cut")).progress.step == 4)
        let resumed = try train(["--resume", dir + "/cut"], ranks: ranks)
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(try finalParameters(dir + "/cut") == finalParameters(dir + "/full"))
        let checksum = { (run: String) throws -> String? in
            (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/summary.json"))) as! [String: Any])["parameter_checksum"] as? String
        }
        #expect(try checksum(dir + "/cut") == checksum(dir + "/full"))
    }

    @Test("SIGTERM stops after the current update with a final checkpoint")
    func terminateStopsCleanly() throws {
        let dir = temporaryDirectory()
        var config = try TrainingConfig.load(path: try writeConfig(in: dir))
        config.training.epochs = 10_000
        config.training.checkpointEverySteps = 0
        config.training.logEverySteps = 1
        try config.json().write(to: URL(fileURLWithPath: dir + "/long.json"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: EPropBinary.path)
        process.arguments = ["train", "--quiet", "--config", dir + "/long.json", "--out", dir + "/run"]
        process.environment = ProcessInfo.processInfo.environment.filter { !MPIWiring.isWiring($0.key) }
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline,
              ((try? String(contentsOfFile: dir + "/run/metrics.jsonl", encoding: .utf8)) ?? "").split(separator: "\n").count < 3 {
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/run/summary.json"))) as! [String: Any]
        #expect(summary["stopped"] as? Bool == true)
        let steps = summary["steps"] as! Int
        #expect(steps >= 3 && steps < 10_000 * 6)
        #expect(try Checkpoint<Float>.peek(CheckpointDirectory.resolve(dir + "/run")).progress.step == steps, "the final checkpoint is the stopping update")
    }

    @Test("a checkpoint of another shape is refused, naming the mismatch")
    func shapeMismatchRefused() throws {
        let dir = temporaryDirectory()
        let config = try writeConfig(in: dir)
        #expect(try train(["--config", config, "--out", dir + "/run", "--epochs", "1"], ranks: 1).status == 0)
        var other = try TrainingConfig.load(path: config)
        other.network.hidden = 30
        try other.json().write(to: URL(fileURLWithPath: dir + "/other.json"))
        let r = try train(["--config", dir + "/other.json", "--resume", dir + "/run"], ranks: 1)
        #expect(r.status != 0)
        #expect(r.output.contains("hidden = 24") && r.output.contains("30"), "\(r.output)")
    }

    @Test("one failing rank ends the job with its rank and cause, not a hang")
    func failingRankEndsJob() throws {
        let dir = temporaryDirectory()
        let config = try writeConfig(in: dir)
        let start = Date()
        let r = try train(["--config", config, "--out", dir + "/run"], ranks: 2, environment: ["EPROP_FAULT_FAIL_RANK": "1"])
        #expect(r.status != 0)
        #expect(r.output.contains("rank 1") && r.output.contains("injected fault"), "\(r.output)")
        #expect(Date().timeIntervalSince(start) < 60, "the job should end promptly")
    }

    @Test("a global batch that does not split over the ranks is refused before any work")
    func unevenBatchRefused() throws {
        let dir = temporaryDirectory()
        var config = try TrainingConfig.load(path: try writeConfig(in: dir))
        config.training.batchSize = 15
        try config.json().write(to: URL(fileURLWithPath: dir + "/odd.json"))
        let r = try train(["--config", dir + "/odd.json", "--out", dir + "/run"], ranks: 2)
        #expect(r.status != 0)
        #expect(r.output.contains("does not split evenly over 2 ranks"), "\(r.output)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/checkpoints/last"))
    }
}
