import Foundation
import RealNumerics
import SpikeData
import Testing
import AudioFrontEnd

/// amplitude · sin(2π f n / rate), n = 0 ..< count.
func tone(_ frequency: Double, rate: Double, count: Int, amplitude: Double = 0.5) -> [Float] {
    (0..<count).map { Float(amplitude * sin(2 * Double.pi * frequency * Double($0) / rate)) }
}

private func rms(_ x: ArraySlice<Float>) -> Double {
    (x.reduce(0) { $0 + Double($1) * Double($1) } / Double(x.count)).squareRoot()
}

@Suite struct ResamplerTests {
    @Test(arguments: [(22_050.0, 16_000.0, 1_000.0), (22_050, 16_000, 6_800), (8_000, 16_000, 3_000), (44_100, 16_000, 440), (16_000, 16_000, 2_000)])
    func passBandTonesSurvive(input: Double, output: Double, frequency: Double) {
        let resampler = Resampler(from: input, to: output)
        let y = resampler(tone(frequency, rate: input, count: Int(input / 4)))
        #expect(y.count == resampler.outputCount(for: Int(input / 4)))
        #expect(abs(Double(y.count) - output / 4) <= 1)
        let expected = tone(frequency, rate: output, count: y.count)
        let interior = 128..<(y.count - 128)
        let error = interior.map { abs(y[$0] - expected[$0]) }.max()!
        #expect(error < 1e-3, "max error \(error)")
    }

    @Test(arguments: [8_300.0, 9_000, 12_000, 20_000])
    func downsamplingRemovesTonesAboveTheNewNyquistFrequency(frequency: Double) {
        let y = Resampler(from: 44_100, to: 16_000)(tone(frequency, rate: 44_100, count: 11_025))
        let residual = rms(y[64..<(y.count - 64)]) / (0.5 / 2.squareRoot())
        #expect(residual < 1e-4, "\(frequency) Hz leaks at \(20 * log10(residual)) dB")
    }
}

@Suite struct FilterbankTests {
    let bank = Filterbank(channels: 48, lowestFrequency: 100, highestFrequency: 6_000, sampleRate: 16_000)

    @Test func centreFrequenciesAreEquallySpacedOnTheERBScale() {
        let f = bank.centreFrequencies
        #expect(f.count == 48)
        #expect(abs(f.first! - 100) < 1e-9 && abs(f.last! - 6_000) < 1e-6)
        let e = f.map(Filterbank.erbNumber(ofFrequency:))
        let steps = zip(e.dropFirst(), e).map { $0 - $1 }
        #expect(steps.allSatisfy { abs($0 - steps[0]) < 1e-9 })
        #expect(abs(Filterbank.frequency(ofERBNumber: Filterbank.erbNumber(ofFrequency: 1234)) - 1234) < 1e-9)
    }

    /// Steady-state RMS of every channel for a tone (the last 100 ms of 250 ms).
    func response(to frequency: Double) -> [Double] {
        bank.outputs(tone(frequency, rate: 16_000, count: 4_000)).map { rms($0[2_400...]) }
    }

    @Test(arguments: [3, 12, 25, 40])
    func aToneAtACentreFrequencyPeaksThereWithUnitGain(channel: Int) {
        let r = response(to: bank.centreFrequencies[channel])
        #expect(r.indices.max { r[$0] < r[$1] } == channel)
        #expect(abs(r[channel] / (0.5 / 2.squareRoot()) - 1) < 0.02, "gain \(r[channel] / (0.5 / 2.squareRoot()))")
    }

    @Test(arguments: [150.0, 440, 1_234, 3_000, 5_500])
    func aToneExcitesTheChannelWithTheNearestCentreFrequencyMost(frequency: Double) {
        let r = response(to: frequency)
        let strongest = r.indices.max { r[$0] < r[$1] }!
        let nearest = bank.centreFrequencies.indices.min { abs(bank.centreFrequencies[$0] - frequency) < abs(bank.centreFrequencies[$1] - frequency) }!
        #expect(strongest == nearest, "\(frequency) Hz: strongest \(bank.centreFrequencies[strongest]), nearest \(bank.centreFrequencies[nearest])")
        // Selectivity: an octave away the response is far weaker.
        let octaveUp = bank.centreFrequencies.indices.min { abs(bank.centreFrequencies[$0] - 2 * frequency) < abs(bank.centreFrequencies[$1] - 2 * frequency) }!
        if 2 * frequency < 6_000 { #expect(r[octaveUp] < 0.1 * r[strongest]) }
    }
}

@Suite struct CochleaEncoderTests {
    /// A 0.3 s clip at 22.05 kHz: a gliding tone with a noise burst, to exercise every channel.
    static let clip: AudioClip = {
        var rng = Xoshiro256(seed: 7)
        let rate = 22_050.0
        let samples = (0..<6_615).map { n -> Float in
            let t = Double(n) / rate
            let glide = 0.4 * sin(2 * Double.pi * (200 * t + 6_000 * t * t))
            let burst = (0.1...0.15).contains(t) ? 0.3 * (rng.uniform() - 0.5) : 0
            return Float(glide + burst)
        }
        return AudioClip(samples: samples, sampleRate: rate)
    }()

    static func encoder(channels: Int = 96) throws -> CochleaEncoder {
        var p = CochleaParameters()
        p.channels = channels
        return try CochleaEncoder(p)
    }

    @Test func encodingIsDeterministicAndWellFormed() throws {
        let encoder = try Self.encoder()
        let a = encoder.encode(Self.clip)
        let b = encoder.encode(Self.clip)
        #expect(a == b)
        #expect(a.times.count > 100)
        #expect(a.units.allSatisfy { Int($0) < 96 })
        #expect(a.times.allSatisfy { $0 >= 0 && Double($0) < Self.clip.duration })
        let ordered = (1..<a.times.count).allSatisfy { (i: Int) -> Bool in
            a.times[i - 1] < a.times[i] || (a.times[i - 1] == a.times[i] && a.units[i - 1] < a.units[i])
        }
        #expect(ordered, "events sorted by time, then unit")
        #expect(Set(a.units).count > 48, "the glide and the burst reach most channels")
    }

    @Test func parallelFileEncodingMatchesOneByOne() throws {
        let encoder = try Self.encoder()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cochlea-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = (0..<4).map { folder.appendingPathComponent("\($0).wav") }
        for (k, file) in files.enumerated() {
            let scaled = Self.clip.samples.map { $0 * Float(k + 1) / 5 }
            try WAVFile.write(channels: [scaled], sampleRate: 22_050, format: .float32, to: file)
        }
        let parallel = try encoder.encode(files: files)
        let serial = try files.map { encoder.encode(try WAVFile.read($0)) }
        #expect(parallel == serial)
        #expect(parallel[0] == parallel[3], "peak normalisation makes the level irrelevant")
        let missing = folder.appendingPathComponent("missing.wav")
        #expect(throws: WAVError.self) { _ = try encoder.encode(files: files + [missing]) }
    }

    @Test func silenceGivesNoSpikes() throws {
        let events = try Self.encoder().encode(AudioClip(samples: [Float](repeating: 0, count: 4_000), sampleRate: 16_000))
        #expect(events.times.isEmpty)
    }

    @Test(arguments: [300.0, 1_000, 3_000])
    func aToneDrivesChannelsNearItsFrequency(frequency: Double) throws {
        let encoder = try Self.encoder()
        // 20 ms raised-cosine ramps: an abrupt onset would be a broadband click.
        let samples = tone(frequency, rate: 16_000, count: 3_200).enumerated().map { n, x in
            x * Float(min(1, 0.5 - 0.5 * cos(Double.pi * Double(min(n, 3_199 - n)) / 320)))
        }
        let events = encoder.encode(AudioClip(samples: samples, sampleRate: 16_000))
        var counts = [Int](repeating: 0, count: 96)
        for unit in events.units { counts[Int(unit)] += 1 }
        let centres = encoder.filterbank.centreFrequencies
        let nearest = centres.indices.min { abs(centres[$0] - frequency) < abs(centres[$1] - frequency) }!
        let busiest = counts.indices.max { counts[$0] < counts[$1] }!
        #expect(abs(busiest - nearest) <= 3, "\(frequency) Hz: busiest channel \(busiest) (\(centres[busiest]) Hz), nearest \(nearest)")
        #expect(counts[nearest] > 0)
        // Far channels (more than two octaves away) stay silent.
        let far = centres.indices.filter { abs(log2(centres[$0] / frequency)) > 2 }
        #expect(far.allSatisfy { counts[$0] == 0 })
    }

    @Test func parametersDecodeWithDefaultsAndValidateByKey() throws {
        let decoded = try JSONDecoder().decode(CochleaParameters.self, from: Data(#"{"channels": 128, "peak_level": null}"#.utf8))
        var expected = CochleaParameters()
        expected.channels = 128
        expected.peakLevel = nil
        #expect(decoded == expected)
        let roundTrip = try JSONDecoder().decode(CochleaParameters.self, from: JSONEncoder().encode(expected))
        #expect(roundTrip == expected)
        #expect(throws: ConfigurationError.self, "a misspelt key is an error, not a default") {
            _ = try JSONDecoder().decode(CochleaParameters.self, from: Data(#"{"treshold": 0.2}"#.utf8))
        }
        let snake = try JSONDecoder().decode(CochleaParameters.self, from: Data(#"{"working_rate": 8000, "highest_frequency": 3500}"#.utf8))
        #expect(snake.workingRate == 8000 && snake.highestFrequency == 3500)

        let bad: [(WritableKeyPath<CochleaParameters, Double>, Double, String)] = [
            (\.workingRate, 0, "working_rate"), (\.lowestFrequency, -1, "lowest_frequency"),
            (\.highestFrequency, 7_500, "highest_frequency"), (\.bandwidthScale, 0, "bandwidth_scale"),
            (\.membraneTimeConstant, 0, "membrane_time_constant"), (\.threshold, .nan, "threshold"),
            (\.refractoryPeriod, -0.001, "refractory_period"), (\.adaptationTimeConstant, 0, "adaptation_time_constant"),
            (\.adaptationIncrement, -1, "adaptation_increment"),
        ]
        for (path, value, key) in bad {
            var p = CochleaParameters()
            p[keyPath: path] = value
            #expect(throws: ConfigurationError.self) { try p.validate() }
            do { try p.validate(prefix: "data.cochlea") } catch { #expect(error.key == "data.cochlea.\(key)") }
        }
        var p = CochleaParameters()
        p.channels = 70_000
        #expect(throws: ConfigurationError(key: "cochlea.channels", message: "must be in 1...65536, got 70000")) { _ = try CochleaEncoder(p) }
        p = CochleaParameters()
        p.peakLevel = 0
        #expect(throws: ConfigurationError.self) { try p.validate() }
    }
}
