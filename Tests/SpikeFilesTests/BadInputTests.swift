import CHDF5
import Foundation
import SpikeData
import SpikeFiles
import Testing

@Suite("Bad input files: typed errors naming file, field and sample")
struct BadInputTests {
    @Test("a missing file")
    func missingFile() throws {
        try withTemporaryDirectory { directory in
            expectReadError(directory.file("absent.h5"), .fileNotFound)
        }
    }

    @Test("a file that is not HDF5")
    func notHDF5() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("notes.h5")
            try "spikes, honestly".write(toFile: path, atomically: false, encoding: .utf8)
            expectReadError(path, .notHDF5)
        }
    }

    @Test("a directory")
    func directory() throws {
        try withTemporaryDirectory { directory in
            expectReadError(directory.path, .notHDF5)
        }
    }

    @Test("a truncated HDF5 file")
    func truncated() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("cut.h5")
            try SHDFile.write(RoundTripTests.dataset, to: path)
            let whole = try Data(contentsOf: URL(fileURLWithPath: path))
            try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: path))
            expectReadError(path, .unreadable)
        }
    }

    @Test("a required dataset missing", arguments: ["spikes/times", "spikes/units", "labels"])
    func missingDataset(field: String) throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("partial.h5")
            var fixture = Fixture()
            switch field {
            case "spikes/times": fixture.times = nil
            case "spikes/units": fixture.units = nil
            default: fixture.labels = nil
            }
            try fixture.write(to: path)
            expectReadError(path, .missingField, field: field)
        }
    }

    @Test("labels that are not integers")
    func floatLabels() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("float-labels.h5")
            var fixture = Fixture()
            fixture.labelType = chdf5_t_ieee_f64le()
            try fixture.write(to: path)
            expectReadError(path, .wrongType, field: "labels")
        }
    }

    @Test("a sample whose times and units differ in length")
    func lengthMismatch() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("ragged.h5")
            var fixture = Fixture()
            fixture.units = [[0, 699, 7], [], [42, 43]]
            try fixture.write(to: path)
            expectReadError(path, .lengthMismatch, field: "spikes/units", sample: 2)
        }
    }

    @Test("not one label per sample")
    func labelCount() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("labels.h5")
            var fixture = Fixture()
            fixture.labels = [1, 0]
            try fixture.write(to: path)
            expectReadError(path, .countMismatch, field: "labels")
        }
    }

    @Test("not one speaker per sample")
    func speakerCount() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("speakers.h5")
            var fixture = Fixture()
            fixture.speakers = [1, 2, 3, 4]
            try fixture.write(to: path)
            expectReadError(path, .countMismatch, field: "extra/speaker")
        }
    }

    @Test("a unit not below the channel count")
    func unitOutOfRange() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("units.h5")
            var fixture = Fixture()
            fixture.units = [[0, 1, 2], [], [700]]
            try fixture.write(to: path)
            expectReadError(path, .unitOutOfRange, field: "spikes/units", sample: 2)
            // The same file is fine for a wider input.
            #expect(try SHDFile.read(from: path, channelCount: 701).samples[2].units == [700])
        }
    }

    @Test("a negative, NaN or infinite spike time", arguments: [Float(-0.25), .nan, .infinity])
    func invalidTime(time: Float) throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("times.h5")
            var fixture = Fixture()
            fixture.times = [[0.25, 0.5, 1.125], [], [time]]
            try fixture.write(to: path)
            expectReadError(path, .invalidTime, field: "spikes/times", sample: 2)
        }
    }

    @Test("a label not below the number of keys")
    func labelOutOfRange() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("classes.h5")
            var fixture = Fixture()
            fixture.labels = [1, 2, 0]
            try fixture.write(to: path)
            expectReadError(path, .labelOutOfRange, field: "labels", sample: 1)
        }
    }

    @Test("a negative label in a signed labels dataset")
    func negativeLabel() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("negative.h5")
            var fixture = Fixture()
            fixture.labels = [1, 0, -1]
            fixture.labelType = chdf5_t_std_i64le()
            try fixture.write(to: path)
            expectReadError(path, .labelOutOfRange, field: "labels", sample: 2)
        }
    }

    @Test("a file with no samples")
    func empty() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("empty.h5")
            var fixture = Fixture()
            fixture.times = []
            fixture.units = []
            fixture.labels = []
            fixture.speakers = []
            try fixture.write(to: path)
            expectReadError(path, .empty, field: "spikes/times")
        }
    }
}
