import CHDF5
import Foundation
import SpikeData
import SpikeFiles
import Testing

/// Runs `body` with a fresh, empty directory that is removed afterwards.
func withTemporaryDirectory(_ body: (TemporaryDirectory) throws -> Void) throws {
    let directory = TemporaryDirectory(path: NSTemporaryDirectory() + "SpikeFilesTests-" + UUID().uuidString)
    try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: directory.path) }
    try body(directory)
}

struct TemporaryDirectory {
    let path: String
    /// The path of `name` inside the directory.
    func file(_ name: String) -> String { path + "/" + name }
    /// The names of the entries in the directory, sorted.
    func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }
}

/// Expects every way of reading a file (`SHDFile.read` into events or binned rasters, and
/// opening it for per-batch reading) to fail with `kind`, and the error's description to name
/// the file and, where given, the field and the sample.
func expectReadError(_ path: String, channelCount: Int = 700, _ kind: SpikeFileError.Kind, field: String? = nil,
                     sample: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    let binning = Binning(steps: 10)
    let readers: [() throws -> Void] = [
        { _ = try SHDFile.read(from: path, channelCount: channelCount) },
        { _ = try SHDFile.read(from: path, channelCount: channelCount, binning: binning) },
        { _ = try SHDFileSamples(path: path, channelCount: channelCount, binning: binning) },
    ]
    for read in readers {
        let error = #expect(throws: SpikeFileError.self, sourceLocation: sourceLocation) { try read() }
        expect(error, kind, file: path, field: field, sample: sample, sourceLocation: sourceLocation)
    }
}

/// Expects `error` to be of `kind`, carry `field` and `sample`, and name all three and the
/// file in its description.
func expect(_ error: SpikeFileError?, _ kind: SpikeFileError.Kind, file: String, field: String? = nil, sample: Int? = nil,
            sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else { return }
    #expect(error.kind == kind, sourceLocation: sourceLocation)
    #expect(error.file == file, sourceLocation: sourceLocation)
    #expect(error.field == field, sourceLocation: sourceLocation)
    #expect(error.sample == sample, sourceLocation: sourceLocation)
    let text = error.description
    #expect(text.hasPrefix(file + ": "), "\(text)", sourceLocation: sourceLocation)
    if let field { #expect(text.contains(field), "\(text)", sourceLocation: sourceLocation) }
    if let sample { #expect(text.contains("sample \(sample)"), "\(text)", sourceLocation: sourceLocation) }
}

/// An SHD-layout file built directly through HDF5's C API, independently of `SHDFile.write`,
/// with the types h5py gives the original SHD files by default (variable-length float16
/// times, variable-length uint16 units, uint16 labels and speakers, fixed-length NUL-padded
/// ASCII byte strings for the keys, a `meta_info` group), and free to break every rule of
/// the layout. A nil field is not written.
struct Fixture {
    enum TimeType { case float16, float64 }

    var times: [[Float]]? = [[0.25, 0.5, 1.125], [], [0.0009765625]]
    var units: [[UInt16]]? = [[0, 699, 7], [], [42]]
    var labels: [Int]? = [1, 0, 1]
    var speakers: [Int]? = [3, 4, 3]
    var keys: [String]? = ["zero", "eins"]
    var timeType = TimeType.float16
    /// The file type of `labels`: any HDF5 type the integers convert to.
    var labelType: hid_t = chdf5_t_std_u16le()
    /// Keys as variable-length strings instead of fixed-length byte strings.
    var variableLengthKeys = false

    func write(to path: String) throws {
        try HDF5Library.withExclusiveAccess { () throws in
            let file = try #require(HDF5Library.createFile(path))
            for group in ["spikes", "extra", "extra/meta_info"] {
                _ = try #require(H5Handle(H5Gcreate2(file.id, group, chdf5_p_default(), chdf5_p_default(), chdf5_p_default()), .group))
            }
            if let times {
                let element = timeType == .float16 ? HDF5Library.float16Type() : HDF5Library.copy(chdf5_t_ieee_f64le())
                try writeRows(times, to: "spikes/times", in: file, fileElement: try #require(element))
            }
            if let units {
                try writeRows(units, to: "spikes/units", in: file, fileElement: try #require(HDF5Library.copy(chdf5_t_std_u16le())))
            }
            if let labels {
                try writeValues(labels.map(Int64.init), to: "labels", in: file, fileType: labelType)
            }
            if let speakers {
                try writeValues(speakers.map(Int64.init), to: "extra/speaker", in: file, fileType: chdf5_t_std_u16le())
                try writeValues(speakers.map { Int64(20 + $0) }, to: "extra/meta_info/age", in: file, fileType: chdf5_t_std_u16le())
            }
            if let keys {
                try writeKeys(keys, in: file)
            }
            try #require(H5Fflush(file.id, H5F_SCOPE_LOCAL) >= 0)
        }
    }

    private func dataset(_ name: String, in file: H5Handle, type: hid_t, count: Int) throws -> H5Handle {
        let space = try #require(HDF5Library.vector(count: count))
        return try #require(H5Handle(H5Dcreate2(file.id, name, type, space.id, chdf5_p_default(), chdf5_p_default(), chdf5_p_default()), .dataset))
    }

    private func writeRows<Element: H5NativeType>(_ rows: [[Element]], to name: String, in file: H5Handle, fileElement: H5Handle) throws {
        let fileRow = try #require(HDF5Library.variableLength(of: fileElement))
        let memoryElement = try #require(HDF5Library.copy(Element.h5NativeType))
        let memoryRow = try #require(HDF5Library.variableLength(of: memoryElement))
        let set = try dataset(name, in: file, type: fileRow.id, count: rows.count)
        guard !rows.isEmpty else { return }
        var flat = rows.flatMap { $0 }
        let status = flat.withUnsafeMutableBufferPointer { buffer -> herr_t in
            var offset = 0
            var vlen = rows.map { row -> hvl_t in
                defer { offset += row.count }
                return hvl_t(len: row.count, p: buffer.baseAddress.map { UnsafeMutableRawPointer($0 + offset) })
            }
            return H5Dwrite(set.id, memoryRow.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), &vlen)
        }
        try #require(status >= 0)
    }

    private func writeValues(_ values: [Int64], to name: String, in file: H5Handle, fileType: hid_t) throws {
        let set = try dataset(name, in: file, type: fileType, count: values.count)
        guard !values.isEmpty else { return }
        try #require(H5Dwrite(set.id, Int64.h5NativeType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), values) >= 0)
    }

    private func writeKeys(_ keys: [String], in file: H5Handle) throws {
        let type = try #require(HDF5Library.copy(chdf5_t_c_s1()))
        if variableLengthKeys {
            try #require(H5Tset_size(type.id, chdf5_t_variable()) >= 0)
            try #require(H5Tset_cset(type.id, H5T_CSET_UTF8) >= 0)
            let set = try dataset("extra/keys", in: file, type: type.id, count: keys.count)
            let strings = keys.map { strdup($0) }
            defer { strings.forEach { free($0) } }
            try #require(H5Dwrite(set.id, type.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), strings) >= 0)
        } else {
            let width = keys.map(\.utf8.count).max() ?? 1
            try #require(H5Tset_size(type.id, width) >= 0)
            try #require(H5Tset_strpad(type.id, H5T_STR_NULLPAD) >= 0)
            let bytes = keys.flatMap { Array($0.utf8) + Array(repeating: 0, count: width - $0.utf8.count) }
            let set = try dataset("extra/keys", in: file, type: type.id, count: keys.count)
            try #require(H5Dwrite(set.id, type.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), bytes) >= 0)
        }
    }
}
