/// Labelled samples of one shape that training and evaluation draw batches from: held in
/// memory (`SpikeDataset`) or read from a file batch by batch (`SHDFileSamples` in
/// SpikeFiles), so a rank need not hold a dataset larger than its memory.
public protocol SampleSet: Sendable {
    var count: Int { get }
    /// One class index per sample, below `classCount`.
    var labels: [Int] { get }
    var classCount: Int { get }
    /// One name per class.
    var classNames: [String] { get }
    /// T (0 for an empty set).
    var steps: Int { get }
    /// The number of input channels (0 for an empty set).
    var channelCount: Int { get }
    /// The samples at `indices` (each below `count`), in that order; throws when they cannot
    /// be read.
    func batch(_ indices: some Collection<Int>) throws -> SpikeBatch
    /// Whether `batch` reads from storage (worth doing ahead, on another thread).
    var readsFromStorage: Bool { get }
}

extension SpikeDataset: SampleSet {
    public var readsFromStorage: Bool { false }
}
