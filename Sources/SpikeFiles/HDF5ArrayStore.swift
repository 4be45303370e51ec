import CHDF5

/// Files of named arrays, for layouts other than SHD (training checkpoints): groups, float
/// arrays of any rank (Float or Double), int64/uint64 scalars and UTF-8 string scalars, all in
/// types h5py maps to NumPy (`float32`/`float64`, `int64`/`uint64`, `bytes`). Written through
/// `AtomicFile` (temporary file, flush, close, fsync, rename) and without HDF5's object
/// timestamps, so the same calls with the same values give the same bytes; read with every failure
/// reported as a `SpikeFileError` naming the file and the field. Strings are fixed-length (no
/// HDF5 global heap), so a damaged file fails cleanly rather than in the library.
///
/// Calls may come from any thread: both entry points hold `HDF5Library`'s lock throughout.
package enum HDF5ArrayStore {
    /// Creates the file `path` atomically: `body` fills a new temporary file through the
    /// writer it is given; the file is then flushed, closed, fsynced and renamed over `path`.
    /// If `body` or any step throws, the temporary file is removed, `path` is left as it was
    /// and the error is rethrown (this protocol's own failures are `.writeFailed`).
    package static func write(to path: String, _ body: (HDF5ArrayWriter) throws -> Void) throws {
        try AtomicFile.replace(path, failure: { SpikeFileError(.writeFailed, file: path, message: $0) as any Error }) { temporary throws in
            try HDF5Library.withExclusiveAccess { () throws in
                let writer = try HDF5ArrayWriter(creating: temporary, for: path)
                try body(writer)
                try writer.finish()
            }
        }
    }

    /// Opens `path` read-only and hands it to `body`. Throws `SpikeFileError` (`.fileNotFound`,
    /// `.notHDF5`, `.unreadable`) when the file cannot be opened, and whatever `body` throws.
    package static func read<R: Sendable>(from path: String, _ body: (HDF5ArrayReader) throws -> R) throws -> R {
        try HDF5Library.withExclusiveAccess { () throws -> R in
            try body(HDF5ArrayReader(file: HDF5Library.openForReading(path), path: path))
        }
    }
}

/// The memory and file (little-endian IEEE) types of `F`, which must be Float or Double.
private func floatTypes<F: BinaryFloatingPoint>(_: F.Type) -> (memory: hid_t, file: hid_t) {
    if F.self == Float.self { return (chdf5_t_native_float(), chdf5_t_ieee_f32le()) }
    if F.self == Double.self { return (chdf5_t_native_double(), chdf5_t_ieee_f64le()) }
    preconditionFailure("HDF5 arrays hold Float or Double, not \(F.self)")
}

/// A new dataspace: a scalar for no dimensions, else simple with these extents. Nil if HDF5 fails.
private func dataspace(_ dimensions: [Int]) -> H5Handle? {
    if dimensions.isEmpty { return H5Handle(H5Screate(H5S_SCALAR), .dataspace) }
    let extents = dimensions.map { hsize_t($0) }
    return H5Handle(H5Screate_simple(Int32(extents.count), extents, nil), .dataspace)
}

/// Writes one new file; see `HDF5ArrayStore.write`. Names are HDF5 paths (`weights/hidden`);
/// groups on the way must have been created first.
package final class HDF5ArrayWriter {
    /// The target path, as the caller gave it (named in errors).
    package let path: String
    /// The temporary file being written (renamed to `path` after the body returns).
    package let temporaryPath: String
    private let file: H5Handle
    /// Creation properties of every dataset and group: no modification/creation times.
    private let datasetProperties: H5Handle
    private let groupProperties: H5Handle

    fileprivate init(creating temporary: String, for path: String) throws(SpikeFileError) {
        self.path = path
        temporaryPath = temporary
        guard let datasetProperties = H5Handle(H5Pcreate(chdf5_p_dataset_create()), .propertyList),
              let groupProperties = H5Handle(H5Pcreate(chdf5_p_group_create()), .propertyList),
              H5Pset_obj_track_times(datasetProperties.id, false) >= 0,
              H5Pset_obj_track_times(groupProperties.id, false) >= 0
        else { throw SpikeFileError(.writeFailed, file: path, message: "cannot build the creation properties") }
        guard let file = HDF5Library.createFile(temporary) else {
            throw SpikeFileError(.writeFailed, file: path,
                                 message: "cannot create the temporary file \(temporary): is the directory there and writable?")
        }
        self.file = file
        self.datasetProperties = datasetProperties
        self.groupProperties = groupProperties
    }

    private func failure(_ field: String, _ message: String) -> SpikeFileError {
        SpikeFileError(.writeFailed, file: path, field: field, message: message)
    }

    package func createGroup(_ name: String) throws(SpikeFileError) {
        guard H5Handle(H5Gcreate2(file.id, name, chdf5_p_default(), groupProperties.id, chdf5_p_default()), .group) != nil else {
            throw failure(name, "cannot create the group")
        }
    }

    /// Writes `values` (row-major, `dimensions` their extents, product = count; no dimensions
    /// for a scalar) as a float32 or float64 dataset: the precision of `F`, Float or Double.
    package func write<F: BinaryFloatingPoint>(_ name: String, floats values: [F], dimensions: [Int]) throws(SpikeFileError) {
        let types = floatTypes(F.self)
        try write(name, values, dimensions: dimensions, memoryType: types.memory, fileType: types.file)
    }

    package func write(_ name: String, int64 value: Int64) throws(SpikeFileError) {
        try write(name, [value], dimensions: [], memoryType: Int64.h5NativeType, fileType: chdf5_t_std_i64le())
    }

    package func write(_ name: String, uint64 value: UInt64) throws(SpikeFileError) {
        try write(name, [value], dimensions: [], memoryType: UInt64.h5NativeType, fileType: chdf5_t_std_u64le())
    }

    /// Writes `string` as a scalar fixed-length, NUL-padded byte string of its UTF-8
    /// encoding (h5py reads `bytes`; `.asstr()` decodes), character set ASCII when it is ASCII.
    package func write(_ name: String, string: String) throws(SpikeFileError) {
        var bytes = Array(string.utf8)
        let width = max(1, bytes.count)
        bytes += [UInt8](repeating: 0, count: width - bytes.count)
        let characterSet = bytes.allSatisfy { $0 < 0x80 } ? H5T_CSET_ASCII : H5T_CSET_UTF8
        guard let type = HDF5Library.copy(chdf5_t_c_s1()),
              H5Tset_size(type.id, width) >= 0,
              H5Tset_strpad(type.id, H5T_STR_NULLPAD) >= 0,
              H5Tset_cset(type.id, characterSet) >= 0
        else { throw failure(name, "cannot build the string type") }
        try write(name, bytes, dimensions: [], memoryType: type.id, fileType: type.id, count: 1)
    }

    /// Writes HDF5's buffers to the temporary file (the operating system's, not yet the
    /// device's): after this the file on disk holds everything written so far.
    package func flush() throws(SpikeFileError) {
        guard H5Fflush(file.id, H5F_SCOPE_LOCAL) >= 0 else {
            throw SpikeFileError(.writeFailed, file: path, message: "cannot flush the temporary file \(temporaryPath)")
        }
    }

    /// Flushes and closes the file; every dataset and group is closed by then.
    fileprivate func finish() throws(SpikeFileError) {
        guard H5Fflush(file.id, H5F_SCOPE_LOCAL) >= 0, file.close() else {
            throw SpikeFileError(.writeFailed, file: path, message: "cannot flush and close the temporary file \(temporaryPath)")
        }
    }

    private func write<Element>(_ name: String, _ values: [Element], dimensions: [Int], memoryType: hid_t, fileType: hid_t,
                                count: Int? = nil) throws(SpikeFileError) {
        precondition(dimensions.reduce(1, *) == (count ?? values.count), "\(name): \(values.count) values for dimensions \(dimensions)")
        guard let space = dataspace(dimensions),
              let dataset = H5Handle(H5Dcreate2(file.id, name, fileType, space.id, chdf5_p_default(), datasetProperties.id, chdf5_p_default()), .dataset)
        else { throw failure(name, "cannot create the dataset") }
        guard !values.isEmpty else { return }
        let status = values.withUnsafeBytes { bytes in
            H5Dwrite(dataset.id, memoryType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), bytes.baseAddress)
        }
        guard status >= 0 else { throw failure(name, "cannot write the values") }
    }
}

/// What a dataset holds: its element kind and size, and its extents.
package struct HDF5DatasetInfo: Equatable, Sendable, CustomStringConvertible {
    package enum ElementClass: Sendable, Equatable { case float, signedInteger, unsignedInteger, string, other }

    package var elementClass: ElementClass
    /// Bytes per element in the file.
    package var elementSize: Int
    /// Extents; empty for a scalar.
    package var dimensions: [Int]

    package var count: Int { dimensions.reduce(1, *) }

    /// "float32 [4, 3]", "int64 scalar", "string scalar".
    package var description: String {
        let element = switch elementClass {
        case .float: "float\(8 * elementSize)"
        case .signedInteger: "int\(8 * elementSize)"
        case .unsignedInteger: "uint\(8 * elementSize)"
        case .string: "string"
        case .other: "non-numeric"
        }
        return dimensions.isEmpty ? "\(element) scalar" : "\(element) \(dimensions)"
    }
}

/// One file open for reading; see `HDF5ArrayStore.read`. Every throw is a `SpikeFileError`
/// naming the file and the field.
package struct HDF5ArrayReader {
    /// The path, as the caller gave it (named in errors).
    package let path: String
    private let file: H5Handle

    fileprivate init(file: H5Handle, path: String) {
        self.file = file
        self.path = path
    }

    /// Whether anything (a group or a dataset) is linked at `name`.
    package func contains(_ name: String) -> Bool {
        // H5Lexists fails, rather than answering false, below a missing group: test each prefix.
        let components = name.split(separator: "/")
        guard !components.isEmpty else { return false }
        for depth in 1...components.count {
            guard H5Lexists(file.id, components.prefix(depth).joined(separator: "/"), chdf5_p_default()) > 0 else { return false }
        }
        return true
    }

    /// The element type and extents of the dataset `name`.
    package func info(_ name: String) throws(SpikeFileError) -> HDF5DatasetInfo {
        try info(of: try dataset(name), name)
    }

    /// The float dataset `name`, converted by HDF5 to `F` (Float or Double), and its extents.
    package func readFloats<F: BinaryFloatingPoint>(_ name: String, as _: F.Type = F.self) throws(SpikeFileError) -> (values: [F], dimensions: [Int]) {
        let set = try dataset(name)
        let found = try info(of: set, name)
        guard found.elementClass == .float else {
            throw SpikeFileError(.wrongType, file: path, field: name, message: "expected floating-point values, found \(found)")
        }
        return (try readAll(set, name, count: found.count, memoryType: floatTypes(F.self).memory), found.dimensions)
    }

    /// The one value of the integer dataset `name` (a scalar or a single element).
    package func readInt64(_ name: String) throws(SpikeFileError) -> Int64 {
        try readIntegerScalar(name, memoryType: Int64.h5NativeType)
    }

    /// The one value of the integer dataset `name` (a scalar or a single element).
    package func readUInt64(_ name: String) throws(SpikeFileError) -> UInt64 {
        try readIntegerScalar(name, memoryType: UInt64.h5NativeType)
    }

    /// The one string of the string dataset `name` (fixed-length, any padding, cut at the
    /// first NUL; or variable-length), decoded as UTF-8.
    package func readString(_ name: String) throws(SpikeFileError) -> String {
        let set = try dataset(name)
        let found = try info(of: set, name)
        guard found.elementClass == .string, found.count == 1 else {
            throw SpikeFileError(.wrongType, file: path, field: name, message: "expected one string, found \(found)")
        }
        guard let strings = set.readStrings(count: 1) else {
            throw SpikeFileError(.unreadable, file: path, field: name, message: "cannot read the string: truncated or corrupt file")
        }
        return strings[0]
    }

    // MARK: Internals

    /// The dataset at `name`: `.missingField` if nothing is there, `.wrongType` if it is not a dataset.
    private func dataset(_ name: String) throws(SpikeFileError) -> H5Handle {
        guard contains(name) else {
            throw SpikeFileError(.missingField, file: path, field: name, message: "missing")
        }
        guard let set = H5Handle(H5Dopen2(file.id, name, chdf5_p_default()), .dataset) else {
            throw SpikeFileError(.wrongType, file: path, field: name, message: "cannot be opened as a dataset")
        }
        return set
    }

    private func info(of set: H5Handle, _ name: String) throws(SpikeFileError) -> HDF5DatasetInfo {
        guard let type = H5Handle(H5Dget_type(set.id), .datatype), let space = H5Handle(H5Dget_space(set.id), .dataspace) else {
            throw SpikeFileError(.unreadable, file: path, field: name, message: "cannot read its type and shape: corrupt file")
        }
        let rank = Int(H5Sget_simple_extent_ndims(space.id))
        guard rank >= 0 else {
            throw SpikeFileError(.unreadable, file: path, field: name, message: "cannot read its shape: corrupt file")
        }
        var extents = [hsize_t](repeating: 0, count: rank)
        if rank > 0 {
            guard H5Sget_simple_extent_dims(space.id, &extents, nil) == rank else {
                throw SpikeFileError(.unreadable, file: path, field: name, message: "cannot read its shape: corrupt file")
            }
        }
        let elementClass: HDF5DatasetInfo.ElementClass = switch H5Tget_class(type.id) {
        case H5T_FLOAT: .float
        case H5T_INTEGER: H5Tget_sign(type.id) == H5T_SGN_NONE ? .unsignedInteger : .signedInteger
        case H5T_STRING: .string
        default: .other
        }
        return HDF5DatasetInfo(elementClass: elementClass, elementSize: H5Tget_size(type.id), dimensions: extents.map { Int($0) })
    }

    private func readIntegerScalar<Element: FixedWidthInteger>(_ name: String, memoryType: hid_t) throws(SpikeFileError) -> Element {
        let set = try dataset(name)
        let found = try info(of: set, name)
        guard found.elementClass == .signedInteger || found.elementClass == .unsignedInteger, found.count == 1 else {
            throw SpikeFileError(.wrongType, file: path, field: name, message: "expected one integer, found \(found)")
        }
        let values: [Element] = try readAll(set, name, count: 1, memoryType: memoryType)
        return values[0]
    }

    /// All `count` elements of `set`, converted by HDF5 to `memoryType`, the layout of `Element`.
    private func readAll<Element: Numeric>(_ set: H5Handle, _ name: String, count: Int, memoryType: hid_t) throws(SpikeFileError) -> [Element] {
        var values = [Element](repeating: 0, count: count)
        guard count > 0 else { return values }
        let status = values.withUnsafeMutableBytes { bytes in
            H5Dread(set.id, memoryType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), bytes.baseAddress)
        }
        guard status >= 0 else {
            throw SpikeFileError(.unreadable, file: path, field: name, message: "cannot read its values: truncated or corrupt file")
        }
        return values
    }
}
