import AutoDiff
import NeuronModels
import RealNumerics
import Testing
import TestSupport

/// The automatic J and g agree with central finite differences of the model's own step,
/// in smooth regions: with the triangle surrogate (exactly zero beyond its width), far from
/// threshold the pseudo-derivative and the true derivative of the Heaviside are both zero.
struct JacobianFiniteDifferenceCheck: NeuronModelVisitor {
    func visit<Model: NeuronModel>(_ model: Model) throws -> [String] {
        var failures: [String] = []
        let k = Model.stateCount
        // States more than the surrogate's width (0.45) below every model's threshold.
        let points: [(SIMD4<Double>, Double)] = [
            (SIMD4(0.1, 0.05, 0, 0), 0.3), (SIMD4(-0.4, 0.2, 0, 0), -1.2), (SIMD4(0.3, -0.1, 0, 0), 2.0), (SIMD4(-2, 0.4, 0, 0), 0.7),
        ]
        let h = 1e-6
        for (s, current) in points {
            let auto = model.linearize(state: s, current: current)
            for c in 0..<k {
                var up = s, down = s
                up[c] += h
                down[c] -= h
                let fUp = model.advance(state: up, current: current).state, fDown = model.advance(state: down, current: current).state
                for r in 0..<k {
                    let numeric = (fUp[r] - fDown[r]) / (2 * h)
                    if abs(numeric - auto.jacobian(r, c)) > 1e-7 { failures.append("\(Model.name) J[\(r),\(c)] at \(s): AD \(auto.jacobian(r, c)) vs FD \(numeric)") }
                }
            }
            let fUp = model.advance(state: s, current: current + h).state, fDown = model.advance(state: s, current: current - h).state
            for r in 0..<k {
                let numeric = (fUp[r] - fDown[r]) / (2 * h)
                if abs(numeric - auto.inputGain(r)) > 1e-7 { failures.append("\(Model.name) g[\(r)] at \(s): AD \(auto.inputGain(r)) vs FD \(numeric)") }
            }
            let plain = model.advance(state: s, current: current)
            if plain.state != auto.state || plain.spike != auto.spike { failures.append("\(Model.name): dual and plain forward values differ") }
        }
        return failures
    }
}

/// ψ equals the surrogate at the distance to threshold, and the reset path appears in J.
struct SpikeSensitivityCheck: NeuronModelVisitor {
    func visit<Model: NeuronModel>(_ model: Model) throws -> (psiNonZero: Bool, resetChangesJ: Bool) {
        // Near threshold the surrogate is non-zero, so ψ is non-zero and J depends on the spike path.
        var best = (false, false)
        for v in stride(from: 0.5, through: 1.5, by: 0.1) {
            let l = model.linearize(state: SIMD4(v, v, 0, 0), current: 0.0)
            let far = model.linearize(state: SIMD4(-3.0, 0, 0, 0), current: 0.0)
            if l.spikeSensitivity != .zero { best.0 = true }
            if l.row0 != far.row0 || l.row1 != far.row1 { best.1 = true }
        }
        return best
    }
}

@Suite("Local Jacobians by forward-mode AD")
struct LocalJacobianTests {
    @Test("J and g match central finite differences", arguments: ModelRegistry.names)
    func finiteDifferences(_ name: String) throws {
        let spec = ModelSpec(name: name, surrogate: SurrogateSpec(kind: "triangle", scale: 0.45))
        let failures = try ModelRegistry.visit(spec, JacobianFiniteDifferenceCheck())
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("ψ and the reset path are differentiated through the surrogate", arguments: shippedModelSpecs)
    func spikePaths(_ spec: ModelSpec) throws {
        let r = try ModelRegistry.visit(spec, SpikeSensitivityCheck())
        #expect(r.psiNonZero)
        #expect(r.resetChangesJ)
    }

    @Test("surrogates: value and shape", arguments: [Surrogate.sigmoid(steepness: 10), .fastSigmoid(steepness: 10), .triangle(width: 0.5)])
    func surrogates(_ s: Surrogate) {
        let peak: Double = s.derivative(at: 0)
        #expect(peak > 0)
        #expect(s.derivative(at: 0.3) < peak)
        #expect(abs(s.derivative(at: -0.3) - s.derivative(at: 0.3)) < 1e-12, "surrogates are symmetric")
        // The Heaviside's forward value ignores the surrogate; its derivative is the surrogate.
        let x = Dual<Double>(0.2, seed: 0)
        let z = Dual.heaviside(x, surrogate: s)
        #expect(z.value == 1 && z.tangent[0] == s.derivative(at: 0.2))
        if case .triangle = s { #expect(s.derivative(at: 0.6) == 0.0) }
    }

    @Test("config errors name the parameter")
    func parameterErrors() {
        #expect(throws: ConfigurationError(key: "model.parameters.tau_mem_ms", message: "must be positive, got -5.0 ms")) {
            _ = try ModelRegistry.make(LIF.self, ModelSpec(name: "lif", parameters: ["tau_mem_ms": -5]))
        }
        #expect { _ = try ModelRegistry.make(ALIF.self, ModelSpec(name: "alif", parameters: ["tau_mem": 20])) } throws: {
            ($0 as? ConfigurationError)?.key == "model.parameters.tau_mem"
        }
        #expect { _ = try ModelRegistry.visit(ModelSpec(name: "izh"), JacobianFiniteDifferenceCheck()) } throws: {
            ($0 as? ConfigurationError)?.key == "model.name"
        }
        #expect { _ = try ModelRegistry.make(LIF.self, ModelSpec(name: "lif", surrogate: SurrogateSpec(kind: "erf"))) } throws: {
            ($0 as? ConfigurationError)?.key == "model.surrogate.kind"
        }
    }
}
