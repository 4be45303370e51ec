import CHDF5
import Foundation
import SpikeFiles
import Testing

@Suite("Named-array HDF5 files (HDF5ArrayStore)")
struct ArrayStoreTests {
    struct Stop: Error {}

    static func writeSample(to path: String) throws {
        try HDF5ArrayStore.write(to: path) { file in
            try file.createGroup("g")
            try file.write("g/matrix", floats: [Float](arrayLiteral: 1, -0.0, .nan, 4, 5, 6), dimensions: [2, 3])
            try file.write("g/vector", floats: [Double](arrayLiteral: .pi, -0x1p-1030), dimensions: [2])
            try file.write("g/empty", floats: [Float](), dimensions: [0])
            try file.write("g/scalar", floats: [Double](arrayLiteral: 2.5), dimensions: [])
            try file.write("count", int64: -7)
            try file.write("big", uint64: .max)
            try file.write("text", string: "größe {\"a\": 1}")
            try file.write("blank", string: "")
        }
    }

    @Test("every kind of value comes back exactly, with its type and extents")
    func roundTrip() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("a.h5")
            try Self.writeSample(to: path)
            #expect(try directory.entries() == ["a.h5"])
            try HDF5ArrayStore.read(from: path) { file in
                let matrix = try file.readFloats("g/matrix", as: Float.self)
                #expect(matrix.dimensions == [2, 3])
                #expect(matrix.values.map(\.bitPattern) == [Float](arrayLiteral: 1, -0.0, .nan, 4, 5, 6).map(\.bitPattern))
                #expect(try file.readFloats("g/vector", as: Double.self).values.map(\.bitPattern) == [Double.pi.bitPattern, (-0x1p-1030).bitPattern])
                #expect(try file.readFloats("g/empty", as: Float.self).values.isEmpty)
                #expect(try file.readFloats("g/scalar", as: Double.self).values == [2.5])
                #expect(try file.readInt64("count") == -7)
                #expect(try file.readUInt64("big") == .max)
                #expect(try file.readString("text") == "größe {\"a\": 1}")
                #expect(try file.readString("blank") == "")
                #expect(try ["g/matrix", "g/vector", "g/empty", "g/scalar", "count", "big", "text"].map { try file.info($0).description }
                        == ["float32 [2, 3]", "float64 [2]", "float32 [0]", "float64 scalar", "int64 scalar", "uint64 scalar", "string scalar"])
                #expect(file.contains("g") && file.contains("g/matrix") && !file.contains("g/none") && !file.contains("none/deeper"))
            }
        }
    }

    @Test("missing fields and wrong types are named")
    func fieldErrors() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("a.h5")
            try Self.writeSample(to: path)
            let cases: [(String, SpikeFileError.Kind, (HDF5ArrayReader) throws -> Void)] = [
                ("g/none", .missingField, { _ = try $0.readInt64("g/none") }),
                ("none/deeper", .missingField, { _ = try $0.readString("none/deeper") }),
                ("g", .wrongType, { _ = try $0.readInt64("g") }),
                ("text", .wrongType, { _ = try $0.readFloats("text", as: Float.self) }),
                ("g/matrix", .wrongType, { _ = try $0.readInt64("g/matrix") }),
                ("count", .wrongType, { _ = try $0.readString("count") }),
            ]
            for (field, kind, body) in cases {
                let error = #expect(throws: SpikeFileError.self) { try HDF5ArrayStore.read(from: path) { try body($0) } }
                expect(error, kind, file: path, field: field)
            }
        }
    }

    @Test("a body that throws leaves no file, no temporary file and the old content")
    func failedWrite() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("a.h5")
            try Self.writeSample(to: path)
            var temporary = ""
            #expect(throws: Stop.self) {
                try HDF5ArrayStore.write(to: path) { file in
                    try file.write("count", int64: 99)
                    try file.flush()
                    temporary = file.temporaryPath
                    #expect(FileManager.default.fileExists(atPath: temporary))
                    throw Stop()
                }
            }
            #expect(temporary.hasPrefix(directory.path + "/.a.h5.") && temporary.hasSuffix(".tmp"))
            #expect(try directory.entries() == ["a.h5"])
            #expect(try HDF5ArrayStore.read(from: path) { try $0.readInt64("count") } == -7)
            #expect(ResourceTests.openObjects(under: directory.path) == [])
        }
    }

    @Test("no file or object stays open after reads and writes, successful or failed")
    func noLeaks() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("a.h5")
            try Self.writeSample(to: path)
            _ = try? HDF5ArrayStore.read(from: path) { file in try file.readFloats("g/matrix", as: Float.self) }
            _ = try? HDF5ArrayStore.read(from: path) { file in try file.readInt64("g/matrix") }
            _ = try? HDF5ArrayStore.read(from: path) { _ in throw Stop() }
            try? HDF5ArrayStore.write(to: directory.file("b.h5")) { file in
                try file.createGroup("x")
                try file.write("x/y", floats: [Float](arrayLiteral: 1), dimensions: [1])
                throw Stop()
            }
            try? HDF5ArrayStore.write(to: directory.file("missing/c.h5")) { _ in }
            #expect(ResourceTests.openObjects(under: directory.path) == [])
            #expect(try directory.entries() == ["a.h5"])
        }
    }

    @Test("temporary names are recognisable")
    func temporaryNames() {
        let name = (AtomicFile.temporaryPath(for: "/x/y/step-00000001.h5") as NSString).lastPathComponent
        #expect(AtomicFile.isTemporaryName(name) && AtomicFile.isTemporaryName(name, for: "step-00000001.h5"))
        #expect(!AtomicFile.isTemporaryName(name, for: "step-00000002.h5"))
        #expect(!AtomicFile.isTemporaryName("step-00000001.h5"))
        #expect(AtomicFile.temporaryPath(for: "plain").hasPrefix(".plain."))
    }
}
