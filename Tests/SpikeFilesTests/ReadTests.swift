import CHDF5
import SpikeData
import SpikeFiles
import Testing

@Suite("Reading SHD-layout files written by other tools")
struct ReadTests {
    @Test("a file with h5py's SHD types (float16 times, uint16 units and labels, byte-string keys) reads exactly")
    func readsH5pyLayout() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("shd_like.h5")
            try Fixture().write(to: path)
            let dataset = try SHDFile.read(from: path)
            #expect(dataset == EventDataset(
                samples: [SpikeEvents(times: [0.25, 0.5, 1.125], units: [0, 699, 7]),
                          SpikeEvents(times: [], units: []),
                          SpikeEvents(times: [0.0009765625], units: [42])],
                labels: [1, 0, 1], speakers: [3, 4, 3], classNames: ["zero", "eins"], channelCount: 700))
        }
    }

    @Test("float64 times, int64 labels and variable-length UTF-8 keys convert on read")
    func readsOtherWidths() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("wide.h5")
            var fixture = Fixture()
            fixture.times = [[0.1, 0.2], [0.3]]
            fixture.units = [[1, 2], [3]]
            fixture.labels = [2, 0]
            fixture.speakers = [0, 1]
            fixture.keys = ["null", "eins", "fünf"]
            fixture.timeType = .float64
            fixture.labelType = chdf5_t_std_i64le()
            fixture.variableLengthKeys = true
            try fixture.write(to: path)
            let dataset = try SHDFile.read(from: path, channelCount: 4)
            #expect(dataset.samples.map(\.times) == [[0.1, 0.2], [0.3]])
            #expect(dataset.samples.map(\.units) == [[1, 2], [3]])
            #expect(dataset.labels == [2, 0])
            #expect(dataset.classNames == ["null", "eins", "fünf"])
            #expect(dataset.channelCount == 4)
        }
    }

    @Test("without extra/speaker and extra/keys: speaker 0, and largest label + 1 classes named \"class k\"")
    func readsWithoutExtras() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("bare.h5")
            var fixture = Fixture()
            fixture.speakers = nil
            fixture.keys = nil
            fixture.labels = [2, 0, 1]
            try fixture.write(to: path)
            let dataset = try SHDFile.read(from: path)
            #expect(dataset.speakers == [0, 0, 0])
            #expect(dataset.classNames == ["class 0", "class 1", "class 2"])
            #expect(dataset.labels == [2, 0, 1])
        }
    }
}
