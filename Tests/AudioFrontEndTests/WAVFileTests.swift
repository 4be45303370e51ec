import Foundation
import Testing
import AudioFrontEnd

/// A sine of values exactly representable in `format` (multiples of its quantisation step).
private func exactSine(_ format: WAVSampleFormat, count: Int = 257) -> [Float] {
    let step: Double = switch format {
    case .pcm8: 1.0 / 128
    case .pcm16: 1.0 / 32768
    case .pcm24, .pcm32, .float32: 1.0 / 8_388_608
    }
    return (0..<count).map { i in Float((0.99 * sin(0.1 * Double(i)) / step).rounded() * step) }
}

private func quantum(_ format: WAVSampleFormat) -> Float {
    switch format {
    case .pcm8: 1 / 128
    case .pcm16: 1 / 32768
    case .pcm24: 1 / 8_388_608
    case .pcm32, .float32: 1e-7
    }
}

/// The error `body` throws (nil if none).
private func wavError(_ body: () throws -> Void) -> WAVError? {
    do { try body(); return nil } catch let error as WAVError { return error } catch { return nil }
}

/// `data` with the little-endian `value` written at `offset`.
private func patched<T: FixedWidthInteger>(_ data: Data, at offset: Int, _ value: T) -> Data {
    var bytes = [UInt8](data)
    withUnsafeBytes(of: value.littleEndian) { for (k, b) in $0.enumerated() { bytes[offset + k] = b } }
    return Data(bytes)
}

@Suite struct WAVFileTests {
    @Test(arguments: WAVSampleFormat.allCases, [false, true])
    func everyEncodingRoundTrips(format: WAVSampleFormat, extensible: Bool) throws {
        let samples = exactSine(format)
        let data = WAVFile.encode(channels: [samples], sampleRate: 16_000, format: format, extensible: extensible)
        let clip = try WAVFile.decode(data, name: "ramp.wav")
        #expect(clip.sampleRate == 16_000)
        #expect(clip.samples.count == samples.count)
        let error = zip(clip.samples, samples).map { abs($0 - $1) }.max()!
        #expect(error <= quantum(format) / 2, "\(format) extensible=\(extensible): max error \(error)")
    }

    @Test func fullScaleIsClippedNotWrapped() throws {
        for format in WAVSampleFormat.allCases {
            let clip = try WAVFile.decode(WAVFile.encode(channels: [[1, -1, 2, -2]], sampleRate: 8000, format: format), name: "x.wav")
            #expect(clip.samples.allSatisfy { abs($0) > 0.99 && abs($0) <= 1 }, "\(format): \(clip.samples)")
            #expect(clip.samples[0] > 0 && clip.samples[1] < 0 && clip.samples[2] > 0 && clip.samples[3] < 0)
        }
    }

    @Test func stereoIsMixedDownToTheChannelMean() throws {
        let left: [Float] = [0.5, -0.25, 0.125, 0]
        let right: [Float] = [0.25, 0.25, -0.5, 1]
        for format in [WAVSampleFormat.pcm16, .float32] {
            let clip = try WAVFile.decode(WAVFile.encode(channels: [left, right, left], sampleRate: 44_100, format: format), name: "x.wav")
            let expected = zip(left, right).map { (2 * $0 + $1) / 3 }
            #expect(zip(clip.samples, expected).allSatisfy { abs($0 - $1) < 1e-4 }, "\(format): \(clip.samples)")
        }
    }

    @Test func oddSampleRateIsKept() throws {
        let clip = try WAVFile.decode(WAVFile.encode(channels: [[0.1, 0.2]], sampleRate: 7_919, format: .pcm24), name: "x.wav")
        #expect(clip.sampleRate == 7_919)
        #expect(abs(clip.duration - 2 / 7_919) < 1e-12)
    }

    @Test func unknownChunksAreSkippedWithPadding() throws {
        let plain = [UInt8](WAVFile.encode(channels: [[0.5, -0.5]], sampleRate: 8000, format: .pcm16))
        // Insert an odd-sized LIST chunk (3 bytes + 1 pad byte) between fmt and data.
        let list: [UInt8] = Array("LIST".utf8) + [3, 0, 0, 0, 1, 2, 3, 0]
        let dataChunkStart = 12 + 8 + 16
        let bytes = Array(plain[0..<dataChunkStart]) + list + Array(plain[dataChunkStart...])
        let clip = try WAVFile.decode(Data(bytes), name: "list.wav")
        #expect(clip.samples == [0.5, -0.5])
    }

    @Test func streamingPlaceholderSizeReadsToTheEnd() throws {
        let data = WAVFile.encode(channels: [[0.25, 0.5, -0.75]], sampleRate: 8000, format: .pcm16)
        let clip = try WAVFile.decode(patched(data, at: 40, UInt32.max), name: "stream.wav")
        #expect(clip.samples == [0.25, 0.5, -0.75])
        let cut = try WAVFile.decode(patched(data, at: 40, UInt32.max).dropLast(), name: "cut-stream.wav")
        #expect(cut.samples == [0.25, 0.5], "a partial last frame is dropped")
    }

    @Test func brokenFilesGiveTypedErrorsNamingTheFile() {
        let good = WAVFile.encode(channels: [[0.25, 0.5]], sampleRate: 8000, format: .pcm16)
        let cases: [(String, Data, WAVError.Kind)] = [
            ("text", Data("hello, world, not audio".utf8), .notRIFF),
            ("short", good.prefix(10), .notRIFF),
            ("cut chunk header", good.prefix(16), .truncated),
            ("cut fmt", good.prefix(30), .truncated),
            ("cut data", good.prefix(good.count - 1), .truncated),
            ("data longer than file", patched(good, at: 40, UInt32(100)), .truncated),
            ("no data", good.prefix(36), .missingChunk),
            ("zero channels", patched(good, at: 22, UInt16(0)), .brokenHeader),
            ("zero rate", patched(good, at: 24, UInt32(0)), .brokenHeader),
            ("bad block align", patched(good, at: 32, UInt16(4)), .brokenHeader),
            ("short fmt", patched(good, at: 16, UInt32(12)), .brokenHeader),
        ]
        for (name, data, kind) in cases {
            let error = wavError { _ = try WAVFile.decode(data, name: "\(name).wav") }
            #expect(error?.kind == kind, "\(name): \(String(describing: error))")
            #expect(error?.description.hasPrefix("\(name).wav: ") == true)
        }
        // data before fmt
        let bytes = [UInt8](good)
        let swapped = Array(bytes[0..<12]) + Array(bytes[36...]) + Array(bytes[12..<36])
        #expect(wavError { _ = try WAVFile.decode(Data(swapped), name: "order.wav") }?.kind == .missingChunk)
    }

    @Test func unsupportedEncodingsAreNamed() {
        let good = WAVFile.encode(channels: [[0.25, 0.5]], sampleRate: 8000, format: .pcm16)
        let alaw = patched(patched(patched(good, at: 20, UInt16(6)), at: 34, UInt16(8)), at: 32, UInt16(1))
        let twelveBit = patched(good, at: 34, UInt16(12))
        let halfFloat = patched(good, at: 20, UInt16(3))
        let extensibleMuLaw = patched(WAVFile.encode(channels: [[0.1, 0.2]], sampleRate: 8000, format: .pcm16, extensible: true),
                                      at: 44, UInt16(7))
        for (data, fragment) in [(alaw, "A-law"), (twelveBit, "12-bit PCM"), (halfFloat, "16-bit float"), (extensibleMuLaw, "µ-law")] {
            let error = wavError { _ = try WAVFile.decode(data, name: "odd.wav") }
            #expect(error?.kind == .unsupportedEncoding)
            #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
        }
    }

    @Test func nonFiniteFloatSamplesAreRejected() {
        let data = WAVFile.encode(channels: [[0.5, 0, 0]], sampleRate: 8000, format: .float32)
        let withNaN = patched(data, at: 44 + 4, Float.nan.bitPattern)
        #expect(wavError { _ = try WAVFile.decode(withNaN, name: "nan.wav") }?.kind == .nonFiniteSample)
    }

    @Test func readsFilesAndNamesMissingOnes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wav-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tone.wav")
        try WAVFile.write(channels: [[0.5, -0.5, 0.25]], sampleRate: 22_050, format: .pcm16, to: file)
        #expect(try WAVFile.read(file) == AudioClip(samples: [0.5, -0.5, 0.25], sampleRate: 22_050))
        let missing = folder.appendingPathComponent("missing.wav")
        let error = wavError { _ = try WAVFile.read(missing) }
        #expect(error?.kind == .unreadable)
        #expect(error?.file == missing.path)
    }
}
