import Foundation
import SpikeData
import SpikeFiles
import Testing

@Suite("Failed writes leave nothing behind")
struct WriteFailureTests {
    @Test("a rename that fails (the target is a non-empty directory) removes the temporary file")
    func renameFails() throws {
        try withTemporaryDirectory { directory in
            let target = directory.file("taken")
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
            try "keep".write(toFile: target + "/inside", atomically: false, encoding: .utf8)
            let error = #expect(throws: SpikeFileError.self) { try SHDFile.write(RoundTripTests.dataset, to: target) }
            expect(error, .writeFailed, file: target)
            #expect(try directory.entries() == ["taken"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: target) == ["inside"])
        }
    }

    @Test("a missing directory")
    func missingDirectory() throws {
        try withTemporaryDirectory { directory in
            let target = directory.file("no/such/dir/data.h5")
            let error = #expect(throws: SpikeFileError.self) { try SHDFile.write(RoundTripTests.dataset, to: target) }
            expect(error, .writeFailed, file: target)
            let entries = try directory.entries()
            #expect(entries == [])
        }
    }

    @Test("a dataset that breaks the layout's rules is refused before any file is made")
    func invalidDataset() throws {
        let valid = RoundTripTests.dataset
        var wideUnit = valid
        wideUnit.channelCount = 10
        var badTime = valid
        badTime.samples[2].times[1] = -1
        var tooLate = valid
        tooLate.samples[0].times[6] = 70_000
        var badLabel = valid
        badLabel.labels[1] = 23
        var badSpeaker = valid
        badSpeaker.speakers[0] = 65_536
        var empty = valid
        empty.samples = []
        empty.labels = []
        empty.speakers = []
        let cases: [(EventDataset, SHDFile.TimeFormat, SpikeFileError.Kind, String, Int?)] = [
            (wideUnit, .float32, .unitOutOfRange, "spikes/units", 0),
            (badTime, .float32, .invalidTime, "spikes/times", 2),
            (tooLate, .float16, .invalidTime, "spikes/times", 0),
            (badLabel, .float32, .labelOutOfRange, "labels", 1),
            (badSpeaker, .float32, .speakerOutOfRange, "extra/speaker", 0),
            (empty, .float32, .empty, "spikes/times", nil),
        ]
        try withTemporaryDirectory { directory in
            let target = directory.file("data.h5")
            for (dataset, format, kind, field, sample) in cases {
                let error = #expect(throws: SpikeFileError.self) { try SHDFile.write(dataset, to: target, timeFormat: format) }
                expect(error, kind, file: target, field: field, sample: sample)
                #expect(try directory.entries() == [])
            }
            // A time beyond float16's range is fine as float32.
            try SHDFile.write(tooLate, to: target, timeFormat: .float32)
            #expect(try SHDFile.read(from: target).samples[0].times[6] == 70_000)
        }
    }
}
