import CHDF5
import SpikeData
import SpikeFiles
import Testing

@Suite("HDF5 resources")
struct ResourceTests {
    /// The files, under `directory`, of every open HDF5 file and object in one (dataset,
    /// group, named type, attribute); HDF5 offers no public list of transient types and
    /// dataspaces. Other tests may hold their own files open meanwhile: only `directory` counts.
    static func openObjects(under directory: String) -> [String] {
        HDF5Library.withExclusiveAccess {
            let all = chdf5_f_obj_all()
            let count = H5Fget_obj_count(hid_t(all), all)
            guard count > 0 else { return [] }
            var identifiers = [hid_t](repeating: -1, count: count)
            let found = H5Fget_obj_ids(hid_t(all), all, count, &identifiers)
            return identifiers.prefix(max(found, 0)).compactMap { identifier in
                let length = H5Fget_name(identifier, nil, 0)
                guard length > 0 else { return nil }
                var name = [CChar](repeating: 0, count: length + 1)
                _ = H5Fget_name(identifier, &name, length + 1)
                let file = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                return file.hasPrefix(directory) ? file : nil
            }
        }
    }

    @Test("no file or object stays open after reads and writes, successful or failed")
    func noLeaks() throws {
        try withTemporaryDirectory { directory in
            let good = directory.file("good.h5")
            try SHDFile.write(RoundTripTests.dataset, to: good, timeFormat: .float16)
            _ = try SHDFile.read(from: good)
            _ = try? SHDFile.read(from: good, channelCount: 10)  // fails on a unit mid-way through the rows
            _ = try? SHDFile.write(RoundTripTests.dataset, to: directory.path)  // fails at the rename
            var fixture = Fixture()
            fixture.labels = [1, 5, 0]
            try fixture.write(to: directory.file("labels.h5"))
            _ = try? SHDFile.read(from: directory.file("labels.h5"))  // fails after reading every dataset
            fixture = Fixture()
            fixture.units = nil
            try fixture.write(to: directory.file("partial.h5"))
            _ = try? SHDFile.read(from: directory.file("partial.h5"))  // fails while opening datasets
            #expect(Self.openObjects(under: directory.path) == [])
        }
    }
}
