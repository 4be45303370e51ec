import RealNumerics

/// First-order optimizers over the flat parameter buffer: SGD with momentum, Adam, and AdamW
/// (decoupled weight decay, Loshchilov & Hutter). Moments are kept in the parameter precision;
/// every rank applies the same update to the same all-reduced gradient, so weights stay
/// bitwise identical across ranks.
public struct Optimizer<F: RealScalar>: Equatable, Sendable {
    public let config: OptimizerConfig
    /// Updates applied so far (Adam's bias correction uses it).
    public var step: Int = 0
    /// Adam's m, or SGD's velocity.
    public var firstMoment: [F]
    /// Adam's v (empty for SGD).
    public var secondMoment: [F]

    public init(config: OptimizerConfig, parameterCount: Int) {
        self.config = config
        firstMoment = [F](repeating: 0, count: parameterCount)
        secondMoment = [F](repeating: 0, count: config.kind == "sgd" ? 0 : parameterCount)
    }

    /// θ ← θ − update(g) with learning rate `learningRate`.
    ///
    /// - adam:  g += λθ;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ −= η m̂ / (√v̂ + ε)
    /// - adamw: as adam without the λθ term, then θ −= ηλθ
    /// - sgd:   g += λθ;  u ← μu + g;  θ −= η u
    public mutating func apply(gradient: [F], to parameters: inout [F], learningRate: Double) {
        precondition(gradient.count == parameters.count && parameters.count == firstMoment.count, "optimizer, gradient and parameters differ in size")
        step += 1
        let lr = F(learningRate), decay = F(config.weightDecay)
        let count = parameters.count, kind = config.kind
        let b1 = F(config.beta1), b2 = F(config.beta2), eps = F(config.epsilon), mu = F(config.momentum)
        let correction1 = F(1 - Double.exp(Double(step) * Double.log(config.beta1)))
        let correction2 = F(1 - Double.exp(Double(step) * Double.log(config.beta2)))
        // Raw buffers: element-wise loops over arrays that are properties of `self` would
        // otherwise check uniqueness and bounds at every element and never vectorise.
        gradient.withUnsafeBufferPointer { gradient in
            parameters.withUnsafeMutableBufferPointer { parameters in
                firstMoment.withUnsafeMutableBufferPointer { first in
                    secondMoment.withUnsafeMutableBufferPointer { second in
                        switch kind {
                        case "sgd":
                            for i in 0..<count {
                                let g = gradient[i].addingProduct(decay, parameters[i])
                                first[i] = g.addingProduct(mu, first[i])
                                parameters[i] -= lr * first[i]
                            }
                        default:
                            let decoupled = kind == "adamw"
                            for i in 0..<count {
                                let g = decoupled ? gradient[i] : gradient[i].addingProduct(decay, parameters[i])
                                first[i] = (b1 * first[i]).addingProduct(1 - b1, g)
                                second[i] = (b2 * second[i]).addingProduct(1 - b2, g * g)
                                let mHat = first[i] / correction1
                                let vHat = second[i] / correction2
                                var update = mHat / (vHat.squareRoot() + eps)
                                if decoupled { update = update.addingProduct(decay, parameters[i]) }
                                parameters[i] -= lr * update
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Scales `gradient` so its Euclidean norm is at most `maxNorm`; returns the norm before.
@discardableResult
public func clipGlobalNorm<F: RealScalar>(_ gradient: inout [F], maxNorm: Double?) -> Double {
    var sum = 0.0
    for g in gradient { sum += Double(g) * Double(g) }
    let norm = sum.squareRoot()
    if let maxNorm, norm > maxNorm {
        let scale = F(maxNorm / norm)
        for i in gradient.indices { gradient[i] *= scale }
    }
    return norm
}
