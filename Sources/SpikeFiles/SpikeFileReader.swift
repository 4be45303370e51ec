import CHDF5
import SpikeData
#if canImport(Glibc)
import Glibc
#endif

/// One open SHD-layout file being read; used inside `HDF5Library.withExclusiveAccess`.
struct SpikeFileReader {
    /// The path as the caller gave it, for messages.
    let path: String
    let file: H5Handle

    /// Opens `path` read-only, telling apart a missing file, a file that is not HDF5 and an
    /// HDF5 file that cannot be opened (truncated or corrupt).
    init(path: String) throws(SpikeFileError) {
        self.path = path
        file = try HDF5Library.openForReading(path)
    }

    /// The whole dataset, checked: see `SHDFile.read`.
    func read(channelCount: Int) throws(SpikeFileError) -> EventDataset {
        var samples: [SpikeEvents] = []
        let file = try read(channelCount: channelCount) { (_, events) in samples.append(events) }
        return EventDataset(samples: samples, labels: file.labels, speakers: file.speakers, classNames: file.classNames, channelCount: channelCount)
    }

    /// The labels, speakers and class names of a checked file whose samples went to `visit`.
    struct Metadata {
        var labels: [Int]
        var speakers: [Int]
        var classNames: [String]
    }

    /// Checks the file and hands every sample's events to `visit`, in order, reading times and
    /// units one block of samples at a time, so only one block of events is ever held.
    func read(channelCount: Int, visit: (_ sample: Int, _ events: SpikeEvents) throws(SpikeFileError) -> Void) throws(SpikeFileError) -> Metadata {
        let (timesSet, unitsSet) = try spikeDatasets()
        let labelsSet = try requiredDataset(SHDLayout.labels)
        try requireElements(of: labelsSet, field: SHDLayout.labels, H5T_INTEGER, described: "integers, one per sample")
        let speakersSet = try optionalDataset(SHDLayout.speakers)
        if let speakersSet {
            try requireElements(of: speakersSet, field: SHDLayout.speakers, H5T_INTEGER, described: "integers, one per sample")
        }
        let keysSet = try optionalDataset(SHDLayout.classNames)
        if let keysSet {
            try requireElements(of: keysSet, field: SHDLayout.classNames, H5T_STRING, described: "strings, one per class")
        }

        let count = try elementCount(of: timesSet, field: SHDLayout.times)
        guard count > 0 else {
            throw SpikeFileError(.empty, file: path, field: SHDLayout.times, message: "the file holds no samples")
        }
        try requireOnePerSample(unitsSet, field: SHDLayout.units, count: count)
        try requireOnePerSample(labelsSet, field: SHDLayout.labels, count: count)
        if let speakersSet {
            try requireOnePerSample(speakersSet, field: SHDLayout.speakers, count: count)
        }

        let checks = SampleChecks(file: path, channelCount: channelCount)
        for start in stride(from: 0, to: count, by: HDF5Library.samplesPerBlock) {
            let block = Array(start..<min(start + HDF5Library.samplesPerBlock, count))
            for (sample, events) in zip(block, try events(of: block, times: timesSet, units: unitsSet, checks: checks)) {
                try visit(sample, events)
            }
        }

        let labels = try readIntegers(of: labelsSet, field: SHDLayout.labels, count: count)
        let speakers = if let speakersSet {
            try readIntegers(of: speakersSet, field: SHDLayout.speakers, count: count)
        } else {
            [Int](repeating: 0, count: count)
        }
        let keys: [String]? = if let keysSet { try readStrings(of: keysSet, field: SHDLayout.classNames) } else { nil }
        // Without keys, labels are bounded by the layout's uint16 range before they size the class list.
        for (sample, label) in labels.enumerated() {
            try checks.checkLabel(label, sample: sample, classCount: keys?.count ?? SHDLayout.uint16Values.count)
        }
        let classNames = keys ?? (0...labels.max()!).map { "class \($0)" }
        return Metadata(labels: labels, speakers: speakers, classNames: classNames)
    }

    /// The checked events of `samples` (each below the file's sample count), in that order:
    /// the rows one batch needs from a file checked whole before (`SHDFileSamples`).
    func events(of samples: [Int], channelCount: Int) throws(SpikeFileError) -> [SpikeEvents] {
        let (timesSet, unitsSet) = try spikeDatasets()
        let count = try elementCount(of: timesSet, field: SHDLayout.times)
        try requireOnePerSample(unitsSet, field: SHDLayout.units, count: count)
        if let beyond = samples.first(where: { !(0..<count).contains($0) }) {
            throw SpikeFileError(.countMismatch, file: path, field: SHDLayout.times, sample: beyond,
                                 message: "the file now holds \(count) samples (was it replaced during the run?)")
        }
        return try events(of: samples, times: timesSet, units: unitsSet, checks: SampleChecks(file: path, channelCount: channelCount))
    }

    /// Reads and checks the times and units rows of `samples` (distinct; in that order).
    private func events(of samples: [Int], times timesSet: H5Handle, units unitsSet: H5Handle,
                        checks: SampleChecks) throws(SpikeFileError) -> [SpikeEvents] {
        var times: [[Float]] = []
        times.reserveCapacity(samples.count)
        try readRows(of: timesSet, field: SHDLayout.times, samples: samples) { (sample, row: UnsafeBufferPointer<Float>) throws(SpikeFileError) in
            for time in row {
                try checks.checkTime(time, sample: sample)
            }
            times.append(Array(row))
        }
        var units: [[UInt16]] = []
        units.reserveCapacity(samples.count)
        try readRows(of: unitsSet, field: SHDLayout.units, samples: samples) { (sample, row: UnsafeBufferPointer<Int64>) throws(SpikeFileError) in
            units.append(try row.map { (unit) throws(SpikeFileError) in try checks.checkedUnit(Int(unit), sample: sample) })
        }
        var events: [SpikeEvents] = []
        events.reserveCapacity(samples.count)
        for (i, sample) in samples.enumerated() {
            guard times[i].count == units[i].count else {
                throw SpikeFileError(.lengthMismatch, file: path, field: SHDLayout.units, sample: sample,
                                     message: "\(units[i].count) units for \(times[i].count) spike times in \(SHDLayout.times)")
            }
            events.append(SpikeEvents(times: times[i], units: units[i]))
        }
        return events
    }

    // MARK: Structure

    /// `spikes/times` and `spikes/units`, checked to hold variable-length rows of floats and
    /// integers.
    private func spikeDatasets() throws(SpikeFileError) -> (times: H5Handle, units: H5Handle) {
        let timesSet = try requiredDataset(SHDLayout.times)
        try requireElements(of: timesSet, field: SHDLayout.times, H5T_FLOAT, inRows: true,
                            described: "variable-length float arrays, one per sample")
        let unitsSet = try requiredDataset(SHDLayout.units)
        try requireElements(of: unitsSet, field: SHDLayout.units, H5T_INTEGER, inRows: true,
                            described: "variable-length integer arrays, one per sample")
        return (timesSet, unitsSet)
    }

    /// The dataset at `field`, which the layout requires.
    private func requiredDataset(_ field: String) throws(SpikeFileError) -> H5Handle {
        guard let dataset = try optionalDataset(field) else {
            throw SpikeFileError(.missingField, file: path, field: field, message: "missing: the SHD layout requires this dataset")
        }
        return dataset
    }

    /// The dataset at `field`, or nil if nothing is linked there.
    private func optionalDataset(_ field: String) throws(SpikeFileError) -> H5Handle? {
        // H5Lexists fails, rather than answering false, below a missing group: test each prefix.
        let components = field.split(separator: "/")
        for depth in 1...components.count {
            guard H5Lexists(file.id, components.prefix(depth).joined(separator: "/"), chdf5_p_default()) > 0 else { return nil }
        }
        guard let dataset = H5Handle(H5Dopen2(file.id, field, chdf5_p_default()), .dataset) else {
            throw SpikeFileError(.wrongType, file: path, field: field, message: "cannot be opened as a dataset")
        }
        return dataset
    }

    /// Throws unless the elements of `dataset` are of type class `expected` or, with `inRows`,
    /// variable-length arrays of that class.
    private func requireElements(of dataset: H5Handle, field: String, _ expected: H5T_class_t, inRows: Bool = false,
                                 described: String) throws(SpikeFileError) {
        guard let type = H5Handle(H5Dget_type(dataset.id), .datatype) else {
            throw SpikeFileError(.unreadable, file: path, field: field, message: "cannot read its element type: corrupt file")
        }
        let matches = if inRows {
            H5Tget_class(type.id) == H5T_VLEN
                && H5Handle(H5Tget_super(type.id), .datatype).map { H5Tget_class($0.id) == expected } == true
        } else {
            H5Tget_class(type.id) == expected
        }
        guard matches else {
            throw SpikeFileError(.wrongType, file: path, field: field, message: "wrong element type: expected \(described)")
        }
    }

    /// The number of elements of a one-dimensional dataset.
    private func elementCount(of dataset: H5Handle, field: String) throws(SpikeFileError) -> Int {
        guard let space = H5Handle(H5Dget_space(dataset.id), .dataspace) else {
            throw SpikeFileError(.unreadable, file: path, field: field, message: "cannot read its shape: corrupt file")
        }
        guard H5Sget_simple_extent_ndims(space.id) == 1 else {
            throw SpikeFileError(.wrongType, file: path, field: field, message: "not a one-dimensional dataset")
        }
        return Int(H5Sget_simple_extent_npoints(space.id))
    }

    private func requireOnePerSample(_ dataset: H5Handle, field: String, count: Int) throws(SpikeFileError) {
        let found = try elementCount(of: dataset, field: field)
        guard found == count else {
            throw SpikeFileError(.countMismatch, file: path, field: field,
                                 message: "\(found) entries for \(count) samples in \(SHDLayout.times)")
        }
    }

    // MARK: Values

    /// Reads the variable-length rows `samples` of `dataset` (distinct; in that order; one
    /// hyperslab when they are a contiguous ascending run, else a point selection), converted
    /// by HDF5 to `Element`, and hands each row to `visit` (valid only during the call).
    /// HDF5's row buffers are reclaimed before returning, also on a throw.
    private func readRows<Element: H5NativeType>(
        of dataset: H5Handle, field: String, samples: [Int],
        _ visit: (_ sample: Int, _ row: UnsafeBufferPointer<Element>) throws(SpikeFileError) -> Void
    ) throws(SpikeFileError) {
        guard !samples.isEmpty else { return }
        let run = Self.run(samples)
        guard let element = HDF5Library.copy(Element.h5NativeType),
              let rowType = HDF5Library.variableLength(of: element),
              let fileSpace = H5Handle(H5Dget_space(dataset.id), .dataspace),
              run.map({ HDF5Library.select($0, in: fileSpace) }) ?? HDF5Library.select(points: samples, in: fileSpace),
              let memorySpace = HDF5Library.vector(count: samples.count)
        else { throw SpikeFileError(.unreadable, file: path, field: field, message: "cannot select samples \(Self.describe(samples))") }
        var rows = [hvl_t](repeating: hvl_t(), count: samples.count)
        defer { H5Dvlen_reclaim(rowType.id, memorySpace.id, chdf5_p_default(), &rows) }
        guard H5Dread(dataset.id, rowType.id, memorySpace.id, fileSpace.id, chdf5_p_default(), &rows) >= 0 else {
            throw SpikeFileError(.unreadable, file: path, field: field,
                                 message: "cannot read samples \(Self.describe(samples)): truncated or corrupt file")
        }
        for (i, sample) in samples.enumerated() {
            try visit(sample, UnsafeBufferPointer(start: rows[i].p?.assumingMemoryBound(to: Element.self), count: rows[i].len))
        }
    }

    /// `samples` as a range when they are a contiguous ascending run, else nil.
    static func run(_ samples: [Int]) -> Range<Int>? {
        guard let first = samples.first, zip(samples, samples.dropFirst()).allSatisfy({ $0 + 1 == $1 }) else { return nil }
        return first..<(first + samples.count)
    }

    /// "0..<1024" for a run, else the first few sample numbers.
    static func describe(_ samples: [Int]) -> String {
        if let run = run(samples) { return "\(run)" }
        return samples.prefix(4).map(String.init).joined(separator: ", ") + (samples.count > 4 ? ", …" : "")
    }

    /// The `count` values of an integer dataset, converted by HDF5 from any integer width.
    private func readIntegers(of dataset: H5Handle, field: String, count: Int) throws(SpikeFileError) -> [Int] {
        var values = [Int64](repeating: 0, count: count)
        guard H5Dread(dataset.id, Int64.h5NativeType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), &values) >= 0 else {
            throw SpikeFileError(.unreadable, file: path, field: field, message: "cannot read its values: truncated or corrupt file")
        }
        return values.map { Int($0) }
    }

    /// The strings of a string dataset, fixed-length (any padding; cut at the first NUL) or
    /// variable-length, decoded as UTF-8.
    private func readStrings(of dataset: H5Handle, field: String) throws(SpikeFileError) -> [String] {
        let count = try elementCount(of: dataset, field: field)
        guard let strings = dataset.readStrings(count: count) else {
            throw SpikeFileError(.unreadable, file: path, field: field, message: "cannot read its strings: truncated or corrupt file")
        }
        return strings
    }
}
