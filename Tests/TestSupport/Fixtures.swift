import LearningRules
import NeuronModels
import SpikeData

/// A batch of Bernoulli input spikes with random labels, dense enough that neurons spike.
public func randomBatch(count: Int = 3, inputs: Int = 12, steps: Int = 25, classes: Int = 3, rate: Double = 0.3, seed: UInt64 = 7) -> SpikeBatch {
    let data = bernoulliDataset(count: count, inputs: inputs, steps: steps, classes: classes, rate: rate, seed: seed)
    return data.batch(0..<count)
}

/// The specs of all shipped models with default parameters.
public let shippedModelSpecs: [ModelSpec] = ModelRegistry.names.map { ModelSpec(name: $0) }
