import SpikeData

/// The samples of an SHD-layout file, read and binned batch by batch: what a rank holds is the
/// labels and one batch of rasters, not the dataset (for SSC-sized files on many ranks).
///
/// Opening checks the whole file as `SHDFile.read` does (streaming it block by block) and
/// keeps its labels and class names; `batch` reads just the requested rows (one HDF5 point
/// selection for times and one for units), checks them again and bins them with `binning`.
/// The rasters equal those of `SHDFile.read(from:channelCount:binning:)`.
public struct SHDFileSamples: SampleSet {
    public let path: String
    /// The channels of the file (units are below it); `channelCount` is after pooling.
    public let fileChannelCount: Int
    public let binning: Binning
    public let labels: [Int]
    public let classNames: [String]

    /// Opens and checks `path`. Throws `SpikeFileError` as `SHDFile.read` does.
    public init(path: String, channelCount: Int = SHDFile.shdChannelCount, binning: Binning) throws(SpikeFileError) {
        precondition((1...SHDLayout.uint16Values.count).contains(channelCount), "channel count \(channelCount) outside 1...65536")
        let metadata = try HDF5Library.withExclusiveAccess { () throws(SpikeFileError) -> SpikeFileReader.Metadata in
            try SpikeFileReader(path: path).read(channelCount: channelCount) { _, _ in }
        }
        self.path = path
        fileChannelCount = channelCount
        self.binning = binning
        labels = metadata.labels
        classNames = metadata.classNames
    }

    public var count: Int { labels.count }
    public var classCount: Int { classNames.count }
    public var steps: Int { binning.steps }
    public var channelCount: Int { binning.pooledChannelCount(fileChannelCount) }
    public var readsFromStorage: Bool { true }

    /// Reads and bins the samples at `indices` (each below `count`), in that order. Throws
    /// `SpikeFileError` if the file can no longer be read or no longer passes the checks.
    public func batch(_ indices: some Collection<Int>) throws -> SpikeBatch {
        let wanted = Array(indices)
        precondition(wanted.allSatisfy { (0..<count).contains($0) }, "sample index outside 0..<\(count)")
        // HDF5 reads a point selection in the order given; distinct ascending rows read best.
        let rows = Array(Set(wanted)).sorted()
        let events = try HDF5Library.withExclusiveAccess { () throws(SpikeFileError) -> [SpikeEvents] in
            try SpikeFileReader(path: path).events(of: rows, channelCount: fileChannelCount)
        }
        let position = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1, $0) })
        return SpikeBatch(samples: wanted.map { binning.raster(events[position[$0]!], channelCount: fileChannelCount) },
                          labels: wanted.map { labels[$0] })
    }
}
