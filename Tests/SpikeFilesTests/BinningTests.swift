import SpikeData
import SpikeFiles
import Testing

@Suite("From file to raster")
struct BinningTests {
    @Test("read then binned: bins over [0, maxTime), later spikes dropped, channels pooled, duplicates merged")
    func readThenBinned() throws {
        // 5 channels pooled by 2 → 3 (the last group, channel 4, alone); 4 steps of 0.25 s up to 1 s.
        // All times are exact in float16 and binary, so the bins do not depend on rounding.
        let dataset = EventDataset(
            samples: [SpikeEvents(times: [0, 0.125, 0.25, 0.5, 0.875, 0.9375, 1, 1.25],
                                  units: [0, 1, 4, 2, 3, 4, 0, 1]),
                      SpikeEvents(times: [0.75], units: [2])],
            labels: [1, 0], speakers: [0, 0], classNames: ["a", "b"], channelCount: 5)
        try withTemporaryDirectory { directory in
            let path = directory.file("tiny.h5")
            try SHDFile.write(dataset, to: path, timeFormat: .float16)
            let rasters = try SHDFile.read(from: path, channelCount: 5).binned(steps: 4, maxTime: 1, pooling: 2)
            #expect(rasters.samples.map { SpikeRaster(recording: $0) } == [
                SpikeRaster(channelCount: 3, activePerStep: [[0], [2], [1], [1, 2]]),
                SpikeRaster(channelCount: 3, activePerStep: [[], [], [], [1]]),
            ])
            #expect(rasters.labels == [1, 0])
            // Binning while reading gives the same rasters as reading, then binning.
            let streamed = try SHDFile.read(from: path, channelCount: 5, binning: Binning(steps: 4, maxTime: 1, pooling: 2))
            #expect(streamed.samples.map { SpikeRaster(recording: $0) } == rasters.samples.map { SpikeRaster(recording: $0) })
            #expect(streamed.labels == rasters.labels && streamed.classNames == rasters.classNames && streamed.classCount == 2)
            #expect(rasters.classCount == 2)
            #expect(rasters.classNames == ["a", "b"])
        }
    }
}
