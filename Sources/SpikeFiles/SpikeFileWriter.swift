import CHDF5
import SpikeData
#if canImport(Glibc)
import Glibc
#endif

/// Writes one SHD-layout file: the checks before anything is created, the atomic
/// temporary-file-and-rename protocol, and the HDF5 datasets themselves.
struct SpikeFileWriter {
    /// The target path as the caller gave it, for messages.
    let path: String
    /// The open temporary file.
    let file: H5Handle

    /// Throws unless `read` would accept `dataset` back from a file and the layout's types can
    /// hold it (labels and speakers as uint16, times in `timeFormat`).
    static func validate(_ dataset: EventDataset, file: String, timeFormat: SHDFile.TimeFormat) throws(SpikeFileError) {
        guard dataset.count > 0 else {
            throw SpikeFileError(.empty, file: file, field: SHDLayout.times, message: "the dataset to write has no samples")
        }
        let checks = SampleChecks(file: file, channelCount: dataset.channelCount)
        for (sample, events) in dataset.samples.enumerated() {
            for (time, unit) in zip(events.times, events.units) {
                try checks.checkTime(time, sample: sample)
                if timeFormat == .float16, !Float16(time).isFinite {
                    throw SpikeFileError(.invalidTime, file: file, field: SHDLayout.times, sample: sample,
                                         message: "spike time \(time) s exceeds float16's largest value 65504 s (write float32)")
                }
                _ = try checks.checkedUnit(Int(unit), sample: sample)
            }
        }
        let storableClassCount = min(dataset.classNames.count, SHDLayout.uint16Values.count)
        for (sample, label) in dataset.labels.enumerated() {
            try checks.checkLabel(label, sample: sample, classCount: storableClassCount)
        }
        for (sample, speaker) in dataset.speakers.enumerated() where !SHDLayout.uint16Values.contains(speaker) {
            throw SpikeFileError(.speakerOutOfRange, file: file, field: SHDLayout.speakers, sample: sample,
                                 message: "speaker \(speaker) is outside \(SHDLayout.uint16Values), the range of the file's uint16")
        }
    }

    /// Writes a validated `dataset` to a temporary file next to `path`, makes it durable and
    /// renames it to `path`; on failure removes the temporary file and throws `.writeFailed`.
    static func writeAtomically(_ dataset: EventDataset, to path: String, timeFormat: SHDFile.TimeFormat) throws(SpikeFileError) {
        try AtomicFile.replace(path, failure: { SpikeFileError(.writeFailed, file: path, message: $0) }) { (temporary) throws(SpikeFileError) in
            try HDF5Library.withExclusiveAccess { () throws(SpikeFileError) in
                let writer = try SpikeFileWriter(creating: temporary, for: path)
                try writer.write(dataset, timeFormat: timeFormat)
                try writer.finish()
            }
        }
    }

    /// Creates the temporary file, failing if anything is already there.
    private init(creating temporary: String, for path: String) throws(SpikeFileError) {
        self.path = path
        guard let file = HDF5Library.createFile(temporary) else {
            throw SpikeFileError(.writeFailed, file: path,
                                 message: "cannot create the temporary file \(temporary): is the directory there and writable?")
        }
        self.file = file
    }

    private func write(_ dataset: EventDataset, timeFormat: SHDFile.TimeFormat) throws(SpikeFileError) {
        try createGroup(SHDLayout.spikesGroup)
        let timeType = switch timeFormat {
        case .float16: HDF5Library.float16Type()
        case .float32: HDF5Library.copy(chdf5_t_ieee_f32le())
        }
        guard let timeType, let unitType = HDF5Library.copy(chdf5_t_std_u16le()) else {
            throw failure(SHDLayout.spikesGroup, "cannot build the spike types")
        }
        try writeRows(SHDLayout.times, fileElement: timeType, count: dataset.count) { dataset.samples[$0].times }
        try writeRows(SHDLayout.units, fileElement: unitType, count: dataset.count) { dataset.samples[$0].units }
        try writeUInt16s(SHDLayout.labels, dataset.labels.map { UInt16($0) })
        try createGroup(SHDLayout.extraGroup)
        try writeUInt16s(SHDLayout.speakers, dataset.speakers.map { UInt16($0) })
        try writeByteStrings(SHDLayout.classNames, dataset.classNames)
        try createGroup(SHDLayout.metaInfo)
    }

    /// Flushes and closes the file; every dataset and group is closed by then.
    private func finish() throws(SpikeFileError) {
        guard H5Fflush(file.id, H5F_SCOPE_LOCAL) >= 0, file.close() else {
            throw SpikeFileError(.writeFailed, file: path, message: "cannot flush and close the temporary file")
        }
    }

    private func failure(_ field: String, _ message: String) -> SpikeFileError {
        SpikeFileError(.writeFailed, file: path, field: field, message: message)
    }

    private func createGroup(_ field: String) throws(SpikeFileError) {
        guard H5Handle(H5Gcreate2(file.id, field, chdf5_p_default(), chdf5_p_default(), chdf5_p_default()), .group) != nil else {
            throw failure(field, "cannot create the group")
        }
    }

    /// A new one-dimensional dataset of `count` elements of `type` at `field`, with its dataspace.
    private func createDataset(_ field: String, type: H5Handle, count: Int) throws(SpikeFileError) -> (dataset: H5Handle, space: H5Handle) {
        guard let space = HDF5Library.vector(count: count),
              let dataset = H5Handle(H5Dcreate2(file.id, field, type.id, space.id, chdf5_p_default(), chdf5_p_default(), chdf5_p_default()), .dataset)
        else { throw failure(field, "cannot create the dataset") }
        return (dataset, space)
    }

    /// Writes one variable-length row per sample, `row(sample)` for samples 0..<count, stored
    /// as rows of `fileElement` (HDF5 converts from `Element`), one block of samples at a time.
    private func writeRows<Element: H5NativeType>(_ field: String, fileElement: H5Handle, count: Int,
                                                  row: (Int) -> [Element]) throws(SpikeFileError) {
        guard let fileRow = HDF5Library.variableLength(of: fileElement),
              let memoryElement = HDF5Library.copy(Element.h5NativeType),
              let memoryRow = HDF5Library.variableLength(of: memoryElement)
        else { throw failure(field, "cannot build the row types") }
        let (dataset, fileSpace) = try createDataset(field, type: fileRow, count: count)
        for start in stride(from: 0, to: count, by: HDF5Library.samplesPerBlock) {
            let block = start..<min(start + HDF5Library.samplesPerBlock, count)
            var values: [Element] = []
            var lengths: [Int] = []
            for sample in block {
                let elements = row(sample)
                values.append(contentsOf: elements)
                lengths.append(elements.count)
            }
            guard HDF5Library.select(block, in: fileSpace), let memorySpace = HDF5Library.vector(count: block.count) else {
                throw failure(field, "cannot select samples \(block)")
            }
            let status = values.withUnsafeMutableBufferPointer { buffer -> herr_t in
                var offset = 0
                var rows = lengths.map { length -> hvl_t in
                    defer { offset += length }
                    return hvl_t(len: length, p: buffer.baseAddress.map { UnsafeMutableRawPointer($0 + offset) })
                }
                return H5Dwrite(dataset.id, memoryRow.id, memorySpace.id, fileSpace.id, chdf5_p_default(), &rows)
            }
            guard status >= 0 else { throw failure(field, "cannot write samples \(block)") }
        }
    }

    /// Writes `values` as a uint16 dataset.
    private func writeUInt16s(_ field: String, _ values: [UInt16]) throws(SpikeFileError) {
        guard let type = HDF5Library.copy(chdf5_t_std_u16le()) else { throw failure(field, "cannot build the type") }
        let (dataset, _) = try createDataset(field, type: type, count: values.count)
        guard H5Dwrite(dataset.id, UInt16.h5NativeType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), values) >= 0 else {
            throw failure(field, "cannot write the values")
        }
    }

    /// Writes `strings` as fixed-length, NUL-padded byte strings as wide as the longest UTF-8
    /// encoding (what h5py makes of NumPy `bytes_`); character set ASCII when all are ASCII.
    private func writeByteStrings(_ field: String, _ strings: [String]) throws(SpikeFileError) {
        let encoded = strings.map { Array($0.utf8) }
        let width = max(1, encoded.map(\.count).max() ?? 0)
        var bytes = [UInt8](repeating: 0, count: width * strings.count)
        for (index, string) in encoded.enumerated() {
            bytes.replaceSubrange(index * width..<index * width + string.count, with: string)
        }
        let characterSet = encoded.allSatisfy { $0.allSatisfy { $0 < 0x80 } } ? H5T_CSET_ASCII : H5T_CSET_UTF8
        guard let type = HDF5Library.copy(chdf5_t_c_s1()),
              H5Tset_size(type.id, width) >= 0,
              H5Tset_strpad(type.id, H5T_STR_NULLPAD) >= 0,
              H5Tset_cset(type.id, characterSet) >= 0
        else { throw failure(field, "cannot build the string type") }
        let (dataset, _) = try createDataset(field, type: type, count: strings.count)
        guard H5Dwrite(dataset.id, type.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), bytes) >= 0 else {
            throw failure(field, "cannot write the strings")
        }
    }
}
