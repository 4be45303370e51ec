import SpikeData

/// Spike datasets in the HDF5 layout of the Spiking Heidelberg Digits (SHD) and Spiking Speech
/// Commands (SSC) files (Cramer et al., 2020), the layout tonic, sparch and most SNN code read:
///
/// | HDF5 path         | contents                                                            |
/// |-------------------|---------------------------------------------------------------------|
/// | `spikes/times`    | one variable-length float array per sample: spike times, seconds     |
/// | `spikes/units`    | one variable-length uint16 array per sample, same lengths: channels  |
/// | `labels`          | one unsigned integer per sample: the class index                     |
/// | `extra/speaker`   | one integer per sample: the speaker index (optional when reading)    |
/// | `extra/keys`      | one byte string per class, index = label (optional when reading)    |
/// | `extra/meta_info` | a group of per-speaker metadata (ignored when reading; empty written)|
///
/// Calls may come from any thread; this module serialises its use of the HDF5 library.
public enum SHDFile {
    /// How `write` stores spike times. Both read back through `read` and through h5py
    /// (as NumPy `float32` / `float16` arrays).
    public enum TimeFormat: Sendable, Equatable {
        /// IEEE half precision, what the original SHD/SSC files use: 2 bytes per spike time
        /// instead of 4, but only 11 significant bits. A time is rounded to the nearest
        /// multiple of the float16 spacing, 2⁻¹¹ s ≈ 0.49 ms in [0.5, 1) s, 2⁻¹⁰ s ≈ 0.98 ms
        /// in [1, 2) s, 1.95 ms in [2, 4) s, so with bins of about 1 ms spikes near a bin edge
        /// can change bins; times above 65504 s cannot be stored.
        case float16
        /// IEEE single precision: stores every `Float` time exactly.
        case float32
    }

    /// The number of channels of SHD and SSC files (the cochlea model's 700 fibres).
    public static let shdChannelCount = 700

    /// Reads a whole SHD-layout file.
    ///
    /// Spike times of any float width (16, 32, 64 bits) come back as `Float` seconds, units of
    /// any integer width as `UInt16`, labels and speakers of any integer width as `Int`.
    /// Speakers are 0 where the file has no `extra/speaker`. Class names come from
    /// `extra/keys` (fixed- or variable-length strings, UTF-8 decoded) and their count is the
    /// class count; without `extra/keys` labels must lie in 0..<65536, the class count is the
    /// largest label + 1 and class k is named "class k". The sample count is the file's.
    /// Memory: the dataset itself plus HDF5's buffers for one block of 1024 samples.
    ///
    /// Limitation: a file damaged byte by byte inside its variable-length data (the HDF5
    /// global heap), rather than truncated, can crash or hang the HDF5 library itself
    /// (observed with 1.10.8; newer releases still hang on some such files). Check downloads
    /// against their published checksums.
    ///
    /// - Parameter channelCount: the input width the units must fit, in 1...65536
    ///   (a programmer's choice, not checked against the file); the dataset's `channelCount`.
    /// - Throws: `SpikeFileError` naming the file, field and sample: no such file, not HDF5,
    ///   truncated or corrupt, a required dataset missing or of the wrong type, per-sample
    ///   times/units lengths that differ, labels or speakers not one per sample, a unit
    ///   outside 0..<channelCount, a negative, NaN or infinite time, a label outside the
    ///   classes, or no samples at all.
    public static func read(from path: String, channelCount: Int = shdChannelCount) throws(SpikeFileError) -> EventDataset {
        precondition((1...SHDLayout.uint16Values.count).contains(channelCount), "channel count \(channelCount) outside 1...65536")
        return try HDF5Library.withExclusiveAccess { () throws(SpikeFileError) -> EventDataset in
            try SpikeFileReader(path: path).read(channelCount: channelCount)
        }
    }

    /// Reads a whole SHD-layout file into rasters: `read(from:channelCount:)` followed by
    /// `EventDataset.binned`, with the same checks and errors, but binning each block of 1024
    /// samples as it is read, so the events of the whole file (6 bytes per spike, several GB
    /// for SSC) are never held: memory is the rasters plus one block's events.
    public static func read(from path: String, channelCount: Int = shdChannelCount, binning: Binning) throws(SpikeFileError) -> SpikeDataset {
        precondition((1...SHDLayout.uint16Values.count).contains(channelCount), "channel count \(channelCount) outside 1...65536")
        return try HDF5Library.withExclusiveAccess { () throws(SpikeFileError) -> SpikeDataset in
            var rasters: [SpikeRaster] = []
            let file = try SpikeFileReader(path: path).read(channelCount: channelCount) { (_, events) in
                rasters.append(binning.raster(events, channelCount: channelCount))
            }
            return SpikeDataset(samples: rasters, labels: file.labels, classCount: file.classNames.count, classNames: file.classNames)
        }
    }

    /// Writes `dataset` as an SHD-layout file at `path`, replacing any file there, atomically:
    /// the data goes to a temporary file in the same directory, which is flushed, closed and
    /// fsynced, then renamed over `path`. On any failure the temporary file is removed and
    /// `path` is left as it was.
    ///
    /// Written types: `spikes/times` variable-length float32 or float16 (see `TimeFormat`),
    /// `spikes/units` variable-length uint16, `labels` uint16, `extra/speaker` uint16,
    /// `extra/keys` fixed-length NUL-padded byte strings (h5py's `np.bytes_`, UTF-8),
    /// `extra/meta_info` an empty group. The default time format is float32: exact, and just
    /// as readable by SHD loaders (tonic, sparch and the like read through h5py, which returns
    /// the file's own float type); choose float16 for files a third smaller, like SHD's own.
    ///
    /// - Throws: `SpikeFileError`, before anything is created, when the dataset breaks a rule
    ///   `read` enforces (no samples, a bad time or unit, a label outside `classNames`) or
    ///   does not fit the layout (a label or speaker outside 0...65535, a time beyond
    ///   float16's range); `.writeFailed` when creating, writing, syncing or renaming fails.
    public static func write(_ dataset: EventDataset, to path: String, timeFormat: TimeFormat = .float32) throws(SpikeFileError) {
        try SpikeFileWriter.validate(dataset, file: path, timeFormat: timeFormat)
        try SpikeFileWriter.writeAtomically(dataset, to: path, timeFormat: timeFormat)
    }
}

/// The HDF5 paths of the layout and the range of its uint16 fields.
enum SHDLayout {
    static let spikesGroup = "spikes"
    static let extraGroup = "extra"
    static let times = "spikes/times"
    static let units = "spikes/units"
    static let labels = "labels"
    static let speakers = "extra/speaker"
    static let classNames = "extra/keys"
    static let metaInfo = "extra/meta_info"
    /// The values a uint16 field (units, labels, speakers as written) holds.
    static let uint16Values = 0...Int(UInt16.max)
}
