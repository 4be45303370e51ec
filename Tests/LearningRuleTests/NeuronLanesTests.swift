import LearningRules
import NeuronModels
import RealNumerics
import SpikeData
import Testing
import TestSupport

/// The engine's eight-lane linearisation against the model-level `linearize`.
@Suite("eight neurons at a time: DualLanes")
struct NeuronLanesTests {
    /// The largest difference, over random neurons, between the eight-lane linearisation
    /// and a reference: `linearize` in Double on the same inputs (`againstDouble`) or in F.
    /// Differences are relative to max(|reference|, 10⁻³).
    struct Compare<F: RealScalar>: NeuronModelVisitor {
        var lanes = true
        var againstDouble = false
        /// The engine's choice (exactly k live state directions) and all three.
        func visit<Model: NeuronModel>(_ model: Model) throws -> Double {
            let all = worst(model, ThreeStateDirections.self)
            switch Model.stateCount {
            case 1: return max(all, worst(model, OneStateDirection.self))
            case 2: return max(all, worst(model, TwoStateDirections.self))
            default: return all
            }
        }

        func worst<Model: NeuronModel, States: StateDirections>(_ model: Model, _ directions: States.Type) -> Double {
            var rng = Xoshiro256(seed: 11, stream: 3)
            var worst = 0.0
            for _ in 0..<50 {
                var s = (SIMD8<F>(), SIMD8<F>(), SIMD8<F>()), current = SIMD8<F>()
                for i in 0..<8 {
                    // States near and far from threshold, lanes ≥ k zero.
                    s.0[i] = F(rng.normal() * 1.5)
                    if Model.stateCount > 1 { s.1[i] = F(rng.normal() * 0.5) }
                    if Model.stateCount > 2 { s.2[i] = F(rng.normal()) }
                    current[i] = F(rng.normal() * 2)
                }
                let (next, z) = model.linearize(lanes: s, current: current, directions: directions)
                for i in 0..<8 {
                    let state = SIMD4(s.0[i], s.1[i], s.2[i], 0)
                    let mine = model.linearize(state: state, current: current[i])
                    let reference: LocalLinearization<Double> = againstDouble
                        ? model.linearize(state: SIMD4(Double(state[0]), Double(state[1]), Double(state[2]), 0), current: Double(current[i]))
                        : LocalLinearization(state: SIMD4(mine.state), row0: SIMD4(mine.row0), row1: SIMD4(mine.row1), row2: SIMD4(mine.row2),
                                             spikeSensitivity: SIMD4(mine.spikeSensitivity), spike: Double(mine.spike))
                    var pairs: [(F, Double)] = [(lanes ? z.values[i] : mine.spike, reference.spike)]
                    for r in 0..<3 {
                        pairs.append((lanes ? next[r].values[i] : mine.state[r], reference.state[r]))
                        pairs.append((lanes ? z.derivative(r)[i] : mine.spikeSensitivity[r], reference.spikeSensitivity[r]))
                        for c in 0..<4 { pairs.append((lanes ? next[r].derivative(c)[i] : mine.row(r)[c], reference.row(r)[c])) }
                    }
                    for (a, b) in pairs { worst = max(worst, abs(Double(a) - b) / max(abs(b), 1e-3)) }
                }
            }
            return worst
        }
    }

    static let specs: [ModelSpec] = ModelRegistry.names.flatMap { name in
        Surrogate.kinds.map { ModelSpec(name: name, surrogate: SurrogateSpec(kind: $0, scale: $0 == "triangle" ? 1 : 10)) }
    }

    @Test("Double: bit-identical to linearize", arguments: specs)
    func double(_ spec: ModelSpec) throws {
        #expect(try ModelRegistry.visit(spec, Compare<Double>()) == 0)
    }

    @Test("Float: about as accurate as linearize (vectorised exponential and surrogates)", arguments: specs)
    func float(_ spec: ModelSpec) throws {
        let lanes = try ModelRegistry.visit(spec, Compare<Float>(lanes: true, againstDouble: true))
        let scalar = try ModelRegistry.visit(spec, Compare<Float>(lanes: false, againstDouble: true))
        // Both round differently (the vector sigmoid avoids the cancellation in 1 − σ); where
        // the step cancels (reset terms), either may be the closer one.
        #expect(lanes <= 4 * scalar + 1e-6, "\(spec.name) \(spec.surrogate.kind): lanes \(lanes), linearize \(scalar) from Double")
    }

    @Test("the vectorised exponential is accurate over Float's range")
    func exponentialAccuracy() {
        var worst = 0.0
        var x: Float = -87
        while x < 87.9 {
            var v = SIMD8<Float>()
            for i in 0..<8 { v[i] = x + Float(i) * 1.3e-3 }
            let e = exponential(v)
            for i in 0..<8 {
                let reference = Double.exp(Double(v[i]))
                worst = max(worst, abs(Double(e[i]) - reference) / reference)
            }
            x += 0.0137
        }
        #expect(worst < 3e-7)
    }
}
