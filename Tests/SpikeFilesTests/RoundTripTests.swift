import RealNumerics
import SpikeData
import SpikeFiles
import Testing

@Suite("Writing then reading")
struct RoundTripTests {
    static let dataset = EventDataset(
        samples: [SpikeEvents(times: [0, 0.0123, 0.1, 0.5, 0.5, 1.3999, 3.75], units: [0, 699, 350, 3, 4, 12, 1]),
                  SpikeEvents(times: [], units: []),
                  SpikeEvents(times: [0.000_07, 0.9876], units: [1, 1])],
        labels: [2, 0, 19],
        speakers: [3, 0, 65535],
        classNames: ["zero", "one", "two"] + (3..<16).map { "digit \($0)" } + ["sieben", "acht", "fünf", ""],
        channelCount: 700)

    @Test("float32 times come back bit for bit, with everything else")
    func float32RoundTrip() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("data.h5")
            try SHDFile.write(Self.dataset, to: path, timeFormat: .float32)
            #expect(try SHDFile.read(from: path) == Self.dataset)
            #expect(try directory.entries() == ["data.h5"])
        }
    }

    @Test("float16 times come back rounded to the nearest float16, everything else exactly")
    func float16RoundTrip() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("data.h5")
            try SHDFile.write(Self.dataset, to: path, timeFormat: .float16)
            let read = try SHDFile.read(from: path)
            #expect(read.samples.map(\.units) == Self.dataset.samples.map(\.units))
            #expect(read.labels == Self.dataset.labels)
            #expect(read.speakers == Self.dataset.speakers)
            #expect(read.classNames == Self.dataset.classNames)
            #expect(read.channelCount == Self.dataset.channelCount)
            for (written, back) in zip(Self.dataset.samples, read.samples) {
                #expect(back.times.count == written.times.count)
                for (time, stored) in zip(written.times, back.times) {
                    #expect(stored == Float(Float16(time)), "\(time) stored as \(stored)")
                    #expect(abs(stored - time) <= Float(Float16(time).ulp) / 2)
                }
            }
        }
    }

    @Test("the default format is float32")
    func defaultIsFloat32() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("data.h5")
            try SHDFile.write(Self.dataset, to: path)
            #expect(try SHDFile.read(from: path) == Self.dataset)
        }
    }

    @Test("writing over an existing file replaces it and leaves no temporary file")
    func overwrites() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("data.h5")
            try Fixture().write(to: path)
            try SHDFile.write(Self.dataset, to: path)
            #expect(try SHDFile.read(from: path) == Self.dataset)
            #expect(try directory.entries() == ["data.h5"])
        }
    }

    @Test("more samples than one I/O block round-trip")
    func manyBlocks() throws {
        let count = 2500
        let samples = (0..<count).map { i in
            SpikeEvents(times: (0..<(i % 7)).map { Float($0) * 0.01 + Float(i) * 1e-4 },
                        units: (0..<(i % 7)).map { UInt16((i + $0) % 700) })
        }
        let dataset = EventDataset(samples: samples, labels: (0..<count).map { $0 % 20 }, speakers: (0..<count).map { $0 % 9 },
                                   classNames: (0..<20).map { "c\($0)" }, channelCount: 700)
        try withTemporaryDirectory { directory in
            let path = directory.file("many.h5")
            try SHDFile.write(dataset, to: path)
            #expect(try SHDFile.read(from: path) == dataset)
            // Binned block by block while reading, across the block boundaries: the same rasters.
            let binning = Binning(steps: 8, maxTime: 0.3, pooling: 3)
            let binned = try SHDFile.read(from: path, binning: binning)
            #expect(binned.count == count && binned.labels == dataset.labels && binned.channelCount == 234)
            #expect(binned.samples.map { SpikeRaster(recording: $0) } == dataset.binned(steps: 8, maxTime: 0.3, pooling: 3).samples.map { SpikeRaster(recording: $0) })
            // Read batch by batch: the same rasters and labels for any indices, in their order.
            let perBatch = try SHDFileSamples(path: path, binning: binning)
            #expect(perBatch.count == count && perBatch.channelCount == 234 && perBatch.steps == 8 && perBatch.classNames == dataset.classNames)
            var rng = Xoshiro256(seed: 3)
            let order = rng.permutation(count)
            for indices in [Array(order.prefix(64)), Array(1020..<1030), [2499, 0, 1500], Array(order.suffix(100))] {
                let a = try perBatch.batch(indices), b = binned.batch(indices)
                #expect(a.labels == b.labels)
                #expect(a.samples.map { SpikeRaster(recording: $0) } == b.samples.map { SpikeRaster(recording: $0) }, "\(indices.prefix(5))")
            }
            // A file that shrank under a run is named, not read out of range.
            try SHDFile.write(EventDataset(samples: Array(samples.prefix(10)), labels: Array(dataset.labels.prefix(10)),
                                           speakers: Array(dataset.speakers.prefix(10)), classNames: dataset.classNames, channelCount: 700), to: path)
            #expect { try perBatch.batch([5, 2000]) } throws: { error in
                (error as? SpikeFileError)?.kind == .countMismatch && "\(error)".contains(path) && "\(error)".contains("2000")
            }
        }
    }
}
