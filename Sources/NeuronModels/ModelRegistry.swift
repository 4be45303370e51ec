import RealNumerics

/// Which model a config asks for: its name, its spike surrogate and its parameters.
public struct ModelSpec: Codable, Equatable, Sendable {
    public var name: String
    public var surrogate = SurrogateSpec()
    public var parameters: [String: Double] = [:]

    public init(name: String, surrogate: SurrogateSpec = SurrogateSpec(), parameters: [String: Double] = [:]) {
        self.name = name
        self.surrogate = surrogate
        self.parameters = parameters
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, surrogate, parameters }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        try c.decode(.surrogate, into: &surrogate)
        try c.decode(.parameters, into: &parameters)
    }
}

/// `{"kind": "sigmoid", "scale": 10}`: the surrogate kind and its steepness or width.
public struct SurrogateSpec: Codable, Equatable, Sendable {
    public var kind: String = "sigmoid"
    public var scale: Double = 10
    public init(kind: String = "sigmoid", scale: Double = 10) {
        self.kind = kind
        self.scale = scale
    }
    enum CodingKeys: String, CodingKey, CaseIterable { case kind, scale }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.decode(.kind, into: &kind)
        try c.decode(.scale, into: &scale)
    }
}

/// Code generic over the model type, run on the model a config names.
public protocol NeuronModelVisitor {
    associatedtype Result
    func visit<Model: NeuronModel>(_ model: Model) throws -> Result
}

/// The shipped models. Adding a model is one file with a `NeuronModel` type plus one line
/// in `visit`; every tool (training, check-grad, benchmarks) then accepts its name.
public enum ModelRegistry {
    public static let models: [any NeuronModel.Type] = [LIF.self, ALIF.self, ResonateAndFire.self]
    public static var names: [String] { models.map { $0.name } }

    /// Builds the model `spec` names and runs `visitor` on it, specialised for its type.
    @inlinable
    public static func visit<V: NeuronModelVisitor>(_ spec: ModelSpec, _ visitor: V) throws -> V.Result {
        switch spec.name {
        case LIF.name: return try visitor.visit(make(LIF.self, spec))
        case ALIF.name: return try visitor.visit(make(ALIF.self, spec))
        case ResonateAndFire.name: return try visitor.visit(make(ResonateAndFire.self, spec))
        default:
            throw ConfigurationError(key: "model.name", message: "unknown model \"\(spec.name)\"; expected one of \(names.joined(separator: ", "))")
        }
    }

    /// Builds a model of a known type from `spec`'s parameters, rejecting unknown keys.
    public static func make<Model: NeuronModel>(_ type: Model.Type, _ spec: ModelSpec) throws(ConfigurationError) -> Model {
        let surrogate = try Surrogate(kind: spec.surrogate.kind, scale: spec.surrogate.scale)
        var parameters = ModelParameters(spec.parameters)
        let model = try Model(parameters: &parameters, surrogate: surrogate)
        try parameters.finish(model: Model.name)
        return model
    }
}
