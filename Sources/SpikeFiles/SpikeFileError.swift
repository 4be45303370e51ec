/// Why an SHD-layout spike file (or a named-array file, see `HDF5ArrayStore`) could not be read
/// or written. The description names the file,
/// then the field (HDF5 path, e.g. `spikes/units`) and the sample index where they apply:
/// `shd_train.h5: spikes/units, sample 12: unit 712 is outside the channels 0..<700`.
public struct SpikeFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        /// No file at the path to read.
        case fileNotFound
        /// The path exists but is not an HDF5 file (another format, a directory).
        case notHDF5
        /// An HDF5 file that cannot be opened or read: truncated, corrupt, unreadable.
        case unreadable
        /// A required dataset (`spikes/times`, `spikes/units`, `labels`) is absent.
        case missingField
        /// A field of the wrong kind: not a dataset, not one-dimensional, wrong element type.
        case wrongType
        /// A field with a different number of entries than there are samples.
        case countMismatch
        /// A sample whose `spikes/times` and `spikes/units` rows differ in length.
        case lengthMismatch
        /// A unit (channel index) negative or not below the channel count.
        case unitOutOfRange
        /// A spike time that is negative, NaN, infinite, or not representable in the file format.
        case invalidTime
        /// A label negative, not below the class count, or too large for the file format.
        case labelOutOfRange
        /// A speaker index too large or negative for the file format (writing only).
        case speakerOutOfRange
        /// A dataset with no samples.
        case empty
        /// Creating, writing, syncing or renaming the file failed (no directory, no space, the
        /// target is a directory, ...); the target path was left as it was.
        case writeFailed
    }

    public var kind: Kind
    /// The path of the file, as the caller gave it.
    public var file: String
    /// The HDF5 path of the offending field, or nil for a problem with the whole file.
    public var field: String?
    /// The index of the offending sample, or nil when the problem is not with one sample.
    public var sample: Int?
    /// What is wrong, in words.
    public var message: String

    public init(_ kind: Kind, file: String, field: String? = nil, sample: Int? = nil, message: String) {
        self.kind = kind
        self.file = file
        self.field = field
        self.sample = sample
        self.message = message
    }

    public var description: String {
        let location = [field, sample.map { "sample \($0)" }].compactMap { $0 }.joined(separator: ", ")
        return location.isEmpty ? "\(file): \(message)" : "\(file): \(location): \(message)"
    }
}
