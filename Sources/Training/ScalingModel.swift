import BPTTReference
import Foundation
import LearningRules
import NeuronModels
import SpikeData

/// The analytical bytes one rank holds at a scaling point, by category (Float32 training).
///
/// Derived from the code that allocates them (kept in step by `ScalingModelTests`):
/// - estimator (`EProp`, `EPropWorkspace`, `ForwardPass`, `BPTT`): the same categories as its
///   `MemoryAccount`;
/// - `parameters`: what the trainer holds per parameter: weights, gradient and Adam's two
///   moments, 4 × N floats (N = H·P + C·H + C);
/// - `input`: the global batch's spike sources every rank keeps: streamed Bernoulli sources
///   (`BernoulliSpikes`) of a few words each, which make each step's spikes when asked, so
///   nothing of the input grows with T.
///
/// What it leaves out (the measured peak shows it): the process's runtime floor (Swift
/// runtime, Foundation, Open MPI; measured per point as `startup_rss_bytes`), transient copies
/// (the all-reduce's copy of the gradient, 4N bytes; the test evaluation's forward pass),
/// allocator slack, and the trajectory's growth slack in BPTT (its event list grows by
/// doubling, so it may hold up to 2× the expected count).
public struct ScalingMemoryPrediction: Codable, Sendable, Equatable {
    public var traces: Int
    public var trajectory: Int
    public var networkState: Int
    public var buffers: Int
    public var parameters: Int
    public var input: Int
    /// e-prop takes the factorised path (shared ε; nil for BPTT).
    public var factorised: Bool?

    enum CodingKeys: String, CodingKey {
        case traces, trajectory, buffers, parameters, input, factorised
        case networkState = "network_state"
    }

    /// The estimator's bytes (the categories of `MemoryAccount`).
    public var estimator: Int { traces + trajectory + networkState + buffers }
    public var account: MemoryAccount {
        MemoryAccount(traces: traces, trajectory: trajectory, networkState: networkState, buffers: buffers)
    }
    /// Everything the model accounts for.
    public var accounted: Int { estimator + parameters + input }
    /// The predicted resident peak of one rank over a runtime floor of `runtime` bytes.
    public func total(runtime: Int) -> Int { accounted + runtime }
}

/// The memory formulas of the scaling harness.
public enum ScalingMemoryModel {
    static let float = MemoryLayout<Float>.stride
    static let int32 = MemoryLayout<Int32>.stride
    static let word = MemoryLayout<Int>.stride

    /// The prediction for one point; throws for unknown model names.
    public static func predict(_ point: ScalingPoint) throws -> ScalingMemoryPrediction {
        let (k, factorised) = try modelTraits(point)
        let shape = point.shape, B = point.localBatch
        let account: MemoryAccount
        if point.method == "bptt" {
            account = bptt(shape: shape, stateCount: k, batch: B, steps: point.steps, readout: point.readout,
                           expectedActivePerStep: expectedActiveEntries(point))
        } else {
            account = eprop(shape: shape, stateCount: k, factorised: factorised, batch: B,
                            blockLength: EPropSchedule.defaultBlockLength, readout: point.readout)
        }
        return ScalingMemoryPrediction(
            traces: account.traces, trajectory: account.trajectory, networkState: account.networkState, buffers: account.buffers,
            parameters: trainerBytes(parameterCount: shape.parameterCount, optimizer: "adam"),
            input: point.globalBatch * MemoryLayout<BernoulliSpikes>.stride,
            factorised: point.method == "bptt" ? nil : factorised)
    }

    /// k and whether e-prop factorises for the point's model (the engine's own decision).
    public static func modelTraits(_ point: ScalingPoint) throws -> (stateCount: Int, factorised: Bool) {
        try ModelRegistry.visit(point.modelSpec, TraitsVisitor(shape: point.shape, readout: point.readout))
    }

    private struct TraitsVisitor: NeuronModelVisitor {
        let shape: NetworkShape
        let readout: ReadoutOptions
        func visit<Model: NeuronModel>(_ model: Model) throws -> (stateCount: Int, factorised: Bool) {
            (Model.stateCount, EProp<Model, Float>(model: model, shape: shape, readout: readout).isFactorised)
        }
    }

    /// e-prop's eligibility state: ε (B·P·k lanes of H floats, or of 1 float when factorised),
    /// the κ-filtered trace ē (B·P·H, κ > 0) and the summed-readout trace sum (B·P·H).
    /// Independent of T.
    public static func epropTraceBytes(shape: NetworkShape, stateCount k: Int, factorised: Bool, batch B: Int, readout: ReadoutOptions) -> Int {
        let H = shape.hidden, P = shape.presynapticCount
        let lane = factorised ? 1 : H
        let leaky = readout.leak > 0 ? B * P * H : 0
        let summed = readout.loss == .summedReadout ? B * P * H : 0
        return (B * P * k * lane + leaky + summed) * float
    }

    /// e-prop's whole account (`EProp.memory`): traces, the forward pass's state, and the
    /// workspace (`EPropWorkspace`): the block record of the sample being swept (τ steps of
    /// k² + 2k rows of J, g, ψ on the general path, k rows of ψ when factorised; rows of H
    /// padded to a multiple of 8 = N), its events, spikes and output errors, the transposed
    /// gradient (P×N) and per-sample sweep scratch. Independent of T.
    ///
    /// Mirrors the workspace's allocations as of this writing; `ScalingTests` compares it
    /// with the engine's own account (traces exactly, the rest within 10 %).
    public static func eprop(shape: NetworkShape, stateCount k: Int, factorised: Bool, batch B: Int, blockLength tau: Int,
                             readout: ReadoutOptions) -> MemoryAccount {
        let H = shape.hidden, P = shape.presynapticCount, C = shape.classes, N = rowStride(H)
        let W = factorised ? 1 : H
        let leaky = readout.leak > 0, summed = readout.loss == .summedReadout
        let components = (factorised ? 0 : k * k + k) + k
        var floats = k * k + k                                    // constant J and g
        floats += tau * components * N + (summed ? 0 : tau * C)   // block record, output errors
        floats += P * N                                           // transposed gradient accumulator
        floats += tau * N + tau * k * W + (leaky ? tau * N : 0)   // per-sample sweep inputs
        floats += N + 2 * k * N + k * k * W + k * k * N + C       // signal, adjoints, propagator, product, ȳ
        floats += B * N + (leaky && !summed ? N : 0) + (summed ? B * N + N : 0) + C * N  // z̄ (and Σ z̄, final signal), feedback
        let ints = tau * P + tau * H + (P + 1) + P + tau * P      // events, spikes, event buckets
        return MemoryAccount(traces: epropTraceBytes(shape: shape, stateCount: k, factorised: factorised, batch: B, readout: readout),
                             networkState: forwardStateBytes(shape: shape, stateCount: k, batch: B),
                             buffers: floats * float + ints * int32 + 2 * tau * word)
    }

    /// BPTT's account (`BPTT.memory`): the stored trajectory, per step and sample H local
    /// linearisations (J, g, ψ, s, z: one `LocalLinearization<Float>`, 96 bytes), the active
    /// presynaptic entries (Int32 each, `expectedActivePerStep` per sample and step), their row
    /// starts and, for the per-step loss, the output error (C floats); then the forward state
    /// and the backward pass's adjoints. Linear in T.
    public static func bptt(shape: NetworkShape, stateCount k: Int, batch B: Int, steps T: Int, readout: ReadoutOptions, expectedActivePerStep: Double) -> MemoryAccount {
        let H = shape.hidden, C = shape.classes
        let perStep = readout.loss == .perStep
        let trajectory = T * B * H * MemoryLayout<LocalLinearization<Float>>.stride
            + Int((Double(T * B) * expectedActivePerStep).rounded()) * int32
            + (T * B + 1) * word
            + (perStep ? T * B * C * float : 0)
        return MemoryAccount(trajectory: trajectory, networkState: forwardStateBytes(shape: shape, stateCount: k, batch: B),
                             buffers: B * (C + 2 * H) * float + B * H * MemoryLayout<SIMD4<Float>>.stride)
    }

    /// BPTT's trajectory bytes per time step (the slope of its memory in T).
    public static func bpttBytesPerStep(shape: NetworkShape, batch B: Int, readout: ReadoutOptions, expectedActivePerStep: Double) -> Double {
        let perStep = readout.loss == .perStep
        return Double(B * shape.hidden * MemoryLayout<LocalLinearization<Float>>.stride) + Double(B) * expectedActivePerStep * Double(int32)
            + Double(B * word) + (perStep ? Double(B * shape.classes * float) : 0)
    }

    /// Rows over the hidden index are padded to a multiple of 8 floats (one SIMD8 vector).
    static func rowStride(_ hidden: Int) -> Int { (hidden + 7) / 8 * 8 }

    /// `ForwardPass.stateBytes`: per sample the step's linearisation as rows over j (s, J, g,
    /// ψ: k + k² + k + k rows, and z: k² + 3k + 1 rows of the padded stride), Wᵀ (H×P), one
    /// sample's currents, the readout's y, Σy and error, the active entries and spiking neurons.
    public static func forwardStateBytes(shape: NetworkShape, stateCount k: Int, batch B: Int) -> Int {
        let H = shape.hidden, P = shape.presynapticCount, C = shape.classes, stride = rowStride(H)
        return (B * (k * k + 3 * k + 1) * stride + H * P + stride + 3 * B * C) * float + (B * P + B * H) * int32 + 3 * B * word
    }

    /// The trainer's per-parameter arrays: weights, gradient and the optimizer's moments
    /// (two for Adam/AdamW, one for SGD).
    public static func trainerBytes(parameterCount N: Int, optimizer: String) -> Int {
        (optimizer == "sgd" ? 3 : 4) * N * float
    }

    /// Bytes the samples of `dataset` hold (`SpikeSource.storageBytes`).
    public static func inputBytes(of dataset: SpikeDataset) -> Int {
        dataset.samples.reduce(0) { $0 + $1.storageBytes }
    }

    /// Expected active presynaptic entries per sample and step: input spikes and the bias
    /// (hidden spikes of a recurrent network are not predicted; they add to the measured).
    public static func expectedActiveEntries(_ point: ScalingPoint) -> Double {
        Double(point.inputs) * point.rate + 1
    }

    /// The slope of the predicted peak in T: BPTT's trajectory bytes per step; 0 for e-prop
    /// (streamed input, no trajectory).
    public static func predictedBytesPerStep(_ point: ScalingPoint) -> Double {
        guard point.method == "bptt" else { return 0 }
        return bpttBytesPerStep(shape: point.shape, batch: point.localBatch, readout: point.readout,
                                expectedActivePerStep: expectedActiveEntries(point))
    }
}

/// The memory a sweep may use on this machine, and the decision to skip a point.
public struct ScalingMemoryBudget: Codable, Sendable, Equatable {
    /// Bytes all ranks of one point may hold together.
    public var bytes: Int
    /// Where the number came from ("80% of MemAvailable (…)", "--max-memory").
    public var source: String

    public init(bytes: Int, source: String) {
        self.bytes = bytes
        self.source = source
    }

    /// `fraction` of MemAvailable from `/proc/meminfo` (nil when unreadable).
    public static func available(fraction: Double = 0.8, meminfo: String? = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) -> ScalingMemoryBudget? {
        guard let meminfo, let available = memInfoBytes("MemAvailable", in: meminfo) else { return nil }
        return ScalingMemoryBudget(bytes: Int(Double(available) * fraction),
                                   source: String(format: "%.0f%% of MemAvailable (%.1f GiB)", 100 * fraction, Double(available) / 1_073_741_824))
    }

    /// A field of /proc/meminfo ("MemAvailable:   23778248 kB") in bytes.
    public static func memInfoBytes(_ field: String, in meminfo: String) -> Int? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix(field + ":") {
            let words = line.dropFirst(field.count + 1).split(separator: " ")
            guard words.count == 2, words[1] == "kB", let kib = Int(words[0]) else { return nil }
            return kib * 1024
        }
        return nil
    }

    /// Parses "8G", "512M", "2048k", "1.5GiB" or a plain byte count.
    public static func parseBytes(_ text: String) -> Int? {
        var number = text.trimmingCharacters(in: .whitespaces)
        var scale = 1.0
        for (suffixes, factor) in [(["GiB", "G", "g"], 1_073_741_824.0), (["MiB", "M", "m"], 1_048_576.0), (["KiB", "k", "K"], 1024.0)] {
            if let s = suffixes.first(where: { number.hasSuffix($0) }) {
                number.removeLast(s.count)
                scale = factor
                break
            }
        }
        guard let value = Double(number), value.isFinite, value > 0 else { return nil }
        return Int(value * scale)
    }

    /// nil if a point whose ranks each need `perRankBytes` fits (all ranks on this machine),
    /// otherwise the reason to skip it.
    public func skipReason(perRankBytes: Int, ranks: Int) -> String? {
        let total = perRankBytes * ranks
        guard total > bytes else { return nil }
        return String(format: "predicted %.2f GiB (%d rank(s) × %.2f GiB) exceeds the budget of %.2f GiB (%@)",
                      Double(total) / 1_073_741_824, ranks, Double(perRankBytes) / 1_073_741_824, Double(bytes) / 1_073_741_824, source)
    }
}
