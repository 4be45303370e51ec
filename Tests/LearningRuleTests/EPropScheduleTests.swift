import BPTTReference
import LearningRules
import NeuronModels
import RealNumerics
import SpikeData
import Testing
import TestSupport

/// Gradients of one network and batch from e-prop with a given schedule and from BPTT.
struct ScheduledGradients<F: RealScalar>: NeuronModelVisitor {
    var shape: NetworkShape
    var readout: ReadoutOptions
    var batch: SpikeBatch
    var schedules: [EPropSchedule]

    func visit<Model: NeuronModel>(_ model: Model) throws -> (eprop: [[F]], factorised: [Bool], bptt: [F], spikes: Double) {
        let parameters = NetworkParameters<F>.initialized(shape: shape, seed: 3, initialization: WeightInitialization(inputScale: 4, inputRate: 0.3))
        var results: [[F]] = [], factorised: [Bool] = [], spikes = 0.0
        for schedule in schedules {
            let eprop = EProp<Model, F>(model: model, shape: shape, readout: readout, feedbackSeed: 5, schedule: schedule)
            var g = [F](repeating: 0, count: shape.parameterCount)
            spikes = eprop.accumulateGradient(of: batch, parameters: parameters, into: &g).spikes
            results.append(g)
            factorised.append(eprop.isFactorised)
        }
        var gB = [F](repeating: 0, count: shape.parameterCount)
        _ = BPTT<Model, F>(model: model, shape: shape, readout: readout).accumulateGradient(of: batch, parameters: parameters, into: &gB)
        return (results, factorised, gB, spikes)
    }
}

/// The schedule of the e-prop engine (blocks of τ steps; the factorised path) changes only
/// float rounding: every schedule agrees with the step-by-step one (τ = 1, the online
/// recursion itself) and, without recurrence, with BPTT.
@Suite("e-prop schedules: blocked and factorised paths")
struct EPropScheduleTests {
    /// T = 25: τ = 1 (every step a block), 4 and 7 (T not a multiple of τ), 25 (one block), 64 (τ > T).
    static let blockLengths = [1, 4, 7, 25, 64]
    static let models: [ModelSpec] = ModelRegistry.names.map { ModelSpec(name: $0) }
        + [ModelSpec(name: "lif", parameters: ["detach_reset": 1]), ModelSpec(name: "alif", parameters: ["detach_reset": 1])]
    static let cases: [(ModelSpec, Double, LossKind)] = models.flatMap { spec in
        [0.0, 0.8].flatMap { leak in LossKind.allCases.map { (spec, leak, $0) } }
    }

    func check<F: RealScalar & ToleranceScalar>(_: F.Type, _ spec: ModelSpec, leak: Double, loss: LossKind, recurrent: Bool,
                                                 feedback: FeedbackKind = .symmetric, hidden: Int = 7, inputs: Int = 12) throws {
        let shape = NetworkShape(inputs: inputs, hidden: hidden, classes: 3, recurrent: recurrent, bias: true)
        let schedules = Self.blockLengths.map { EPropSchedule(blockLength: $0) } + [EPropSchedule(blockLength: 4, allowsFactorisation: false)]
        let pair = ScheduledGradients<F>(shape: shape, readout: ReadoutOptions(leak: leak, loss: loss, feedback: feedback),
                                         batch: randomBatch(inputs: inputs, rate: 0.3 * 12 / Double(inputs)), schedules: schedules)
        let r = try ModelRegistry.visit(spec, pair)
        #expect(r.spikes > 0, "vacuous without hidden spikes")
        let reference = r.eprop[0]
        #expect(reference[shape.hiddenWeightsRange].contains { $0 != 0 }, "vacuous with a zero gradient")
        let label = "\(spec.name) \(spec.parameters) κ=\(leak) \(loss) recurrent=\(recurrent) \(feedback) \(F.self)"
        for (schedule, g) in zip(schedules, r.eprop).dropFirst() {
            let error = maxRelativeError(g, reference)
            #expect(error <= F.gradientTolerance, "\(label) τ=\(schedule.blockLength) factorisable=\(schedule.allowsFactorisation): rel. error \(error) vs τ = 1")
        }
        if !recurrent && feedback == .symmetric {
            for (schedule, g) in zip(schedules, r.eprop) {
                let error = maxRelativeError(g, r.bptt)
                #expect(error <= F.gradientTolerance, "\(label) τ=\(schedule.blockLength): rel. error \(error) vs BPTT")
            }
        }
    }

    @Test("Float, no recurrence: every block length equals τ = 1 and BPTT", arguments: cases)
    func float(_ c: (ModelSpec, Double, LossKind)) throws {
        try check(Float.self, c.0, leak: c.1, loss: c.2, recurrent: false)
    }

    @Test("Double, no recurrence: every block length equals τ = 1 and BPTT", arguments: cases)
    func double(_ c: (ModelSpec, Double, LossKind)) throws {
        try check(Double.self, c.0, leak: c.1, loss: c.2, recurrent: false)
    }

    @Test("Double, recurrent: every block length gives the same e-prop approximation", arguments: cases)
    func recurrent(_ c: (ModelSpec, Double, LossKind)) throws {
        try check(Double.self, c.0, leak: c.1, loss: c.2, recurrent: true)
    }

    @Test("Double, random feedback: every block length equals τ = 1", arguments: models)
    func randomFeedback(_ spec: ModelSpec) throws {
        try check(Double.self, spec, leak: 0.5, loss: .perStep, recurrent: true, feedback: .random)
    }

    /// H = 37 and 70: several eight-neuron lanes with a partial one, 32-wide register blocks
    /// with a scalar tail; more inputs than neurons.
    @Test("wider layers (vector and register-blocked paths with tails)", arguments: [(37, 50), (70, 24)])
    func wide(_ size: (hidden: Int, inputs: Int)) throws {
        for spec in Self.models {
            for loss in LossKind.allCases {
                try check(Float.self, spec, leak: 0.6, loss: loss, recurrent: false, hidden: size.hidden, inputs: size.inputs)
                try check(Double.self, spec, leak: 0, loss: loss, recurrent: true, hidden: size.hidden, inputs: size.inputs)
            }
        }
    }

    @Test("the factorised path is taken exactly when J and g are constant")
    func factorisationDecision() throws {
        let shape = NetworkShape(inputs: 12, hidden: 7, classes: 3, bias: true)
        let expected: [(ModelSpec, Bool)] = [
            (ModelSpec(name: "lif"), false), (ModelSpec(name: "alif"), false), (ModelSpec(name: "rf"), false),
            (ModelSpec(name: "lif", parameters: ["detach_reset": 1]), true), (ModelSpec(name: "alif", parameters: ["detach_reset": 1]), true),
        ]
        for (spec, factorised) in expected {
            let pair = ScheduledGradients<Double>(shape: shape, readout: ReadoutOptions(), batch: randomBatch(steps: 3),
                                                  schedules: [EPropSchedule(), EPropSchedule(allowsFactorisation: false)])
            let r = try ModelRegistry.visit(spec, pair)
            #expect(r.factorised == [factorised, false], "\(spec.name) \(spec.parameters)")
        }
    }

    @Test("the constant J and g of the factorised path are the model's")
    func constantJacobianValues() throws {
        let lif = try ModelRegistry.make(LIF.self, ModelSpec(name: "lif", parameters: ["detach_reset": 1, "tau_mem_ms": 10]))
        let constant = try #require(lif.constantJacobian(Double.self))
        #expect(constant.jacobian == [lif.decay] && constant.inputGain == [1 - lif.decay])
        let alif = try ModelRegistry.make(ALIF.self, ModelSpec(name: "alif", parameters: ["detach_reset": 1]))
        let a = try #require(alif.constantJacobian(Double.self))
        #expect(a.jacobian == [alif.membraneDecay, 0, 0, alif.adaptationDecay] && a.inputGain == [1 - alif.membraneDecay, 0])
        #expect(try ModelRegistry.make(ResonateAndFire.self, ModelSpec(name: "rf")).constantJacobian(Double.self) == nil)
    }

    @Test("the abstract interpretation follows the chain rule")
    func tangentProbeRules() {
        let x = TangentProbe.input, c = TangentProbe(2)
        #expect((c * x + c).tangent == .constant)
        #expect((x * x).tangent == .varying)
        #expect((x / c).tangent == .constant && (c / x).tangent == .varying)
        #expect(TangentProbe.exp(c).tangent == .none && TangentProbe.exp(x).tangent == .varying)
        #expect((c * TangentProbe.detached(TangentProbe.heaviside(x, surrogate: .triangle(width: 1))) + x).tangent == .constant)
        #expect((x * TangentProbe.detached(x)).tangent == .varying)
    }

    @Test("a reused estimator gives the same gradient for every batch; memory does not grow with T")
    func reuseAndMemory() throws {
        let shape = NetworkShape(inputs: 12, hidden: 7, classes: 3, recurrent: true, bias: true)
        struct Run: NeuronModelVisitor {
            var shape: NetworkShape
            var factorise: Bool
            func visit<Model: NeuronModel>(_ model: Model) throws -> [MemoryAccount] {
                let parameters = NetworkParameters<Float>.initialized(shape: shape, seed: 3, initialization: WeightInitialization(inputScale: 4, inputRate: 0.3))
                let eprop = EProp<Model, Float>(model: model, shape: shape, readout: ReadoutOptions(leak: 0.5, loss: .summedReadout),
                                                schedule: EPropSchedule(blockLength: 8, allowsFactorisation: factorise))
                var memory: [MemoryAccount] = []
                var first: [Float] = []
                for (steps, count) in [(30, 3), (30, 2), (30, 3), (10, 3), (2000, 3)] {
                    var g = [Float](repeating: 0, count: shape.parameterCount)
                    _ = eprop.accumulateGradient(of: randomBatch(count: count, steps: steps), parameters: parameters, into: &g)
                    if steps == 30 && count == 3 {
                        if first.isEmpty { first = g } else { #expect(g == first, "a reused workspace changed the gradient") }
                    }
                    if count == 3 { memory.append(eprop.memory) }
                }
                return memory
            }
        }
        let P = shape.presynapticCount
        let general = try ModelRegistry.visit(ModelSpec(name: "alif"), Run(shape: shape, factorise: true))
        #expect(general.allSatisfy { $0 == general[0] }, "memory depends on T: \(general)")
        #expect(general[0].traces == 3 * P * (2 * 7 + 7 + 7) * 4, "ε (k = 2), ē and S per (b, p, j)")
        let factorised = try ModelRegistry.visit(ModelSpec(name: "alif", parameters: ["detach_reset": 1]), Run(shape: shape, factorise: true))
        #expect(factorised.allSatisfy { $0 == factorised[0] })
        #expect(factorised[0].traces == 3 * P * (2 + 7 + 7) * 4, "shared ε (k = 2 per (b, p)), ē and S per (b, p, j)")
    }

    @Test("streamed input gives bit for bit the gradient of the same spikes recorded, for e-prop and BPTT", arguments: models)
    func streamedInput(_ spec: ModelSpec) throws {
        let shape = NetworkShape(inputs: 40, hidden: 9, classes: 3, recurrent: true, bias: true)
        let data = [false, true].map {
            bernoulliDataset(count: 3, inputs: 40, steps: 70, classes: 3, rate: 0.1, seed: 4, streamed: $0)
        }
        let runs = try data.map { dataset in
            try ModelRegistry.visit(spec, ScheduledGradients<Float>(shape: shape, readout: ReadoutOptions(leak: 0.5), batch: dataset.batch(0..<3),
                                                                    schedules: [EPropSchedule(blockLength: 16)]))
        }
        #expect(runs[0].spikes > 0)
        #expect(runs[0].eprop == runs[1].eprop && runs[0].bptt == runs[1].bptt)
    }
}
