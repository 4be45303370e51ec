import Foundation

/// Mono audio in memory: samples at full scale ±1 and their rate.
public struct AudioClip: Sendable, Equatable {
    /// Samples, full scale ±1 (a PCM file's extreme code maps to about ±1).
    public var samples: [Float]
    /// Samples per second (Hz), positive.
    public var sampleRate: Double

    public init(samples: [Float], sampleRate: Double) {
        precondition(sampleRate > 0, "a clip needs a positive sample rate")
        self.samples = samples
        self.sampleRate = sampleRate
    }

    /// Length in seconds.
    public var duration: Double { Double(samples.count) / sampleRate }
}

/// A WAV file that cannot be read, naming the file and what is wrong with it.
public struct WAVError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or read.
        case unreadable
        /// The file does not start with `RIFF….WAVE`.
        case notRIFF
        /// A chunk header or the data chunk runs past the end of the file.
        case truncated
        /// The `fmt ` chunk is inconsistent (zero channels or rate, wrong block size, …).
        case brokenHeader
        /// The `fmt ` or `data` chunk is absent.
        case missingChunk
        /// A sample encoding other than 8-bit unsigned, 16/24/32-bit signed PCM or 32/64-bit IEEE float.
        case unsupportedEncoding
        /// A float sample is NaN or infinite.
        case nonFiniteSample
    }

    /// The path (or name) of the offending file.
    public var file: String
    public var kind: Kind
    /// What exactly is wrong, for people.
    public var detail: String

    public init(file: String, kind: Kind, detail: String) {
        self.file = file
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(file): \(detail)" }
}

/// A sample encoding the WAV writer can produce (and the reader reads).
public enum WAVSampleFormat: Sendable, Equatable, CaseIterable {
    /// 8-bit unsigned PCM (128 = silence).
    case pcm8
    /// 16-bit signed PCM.
    case pcm16
    /// 24-bit signed PCM, packed in 3 bytes.
    case pcm24
    /// 32-bit signed PCM.
    case pcm32
    /// 32-bit IEEE float.
    case float32

    var bytesPerSample: Int {
        switch self {
        case .pcm8: 1
        case .pcm16: 2
        case .pcm24: 3
        case .pcm32, .float32: 4
        }
    }

    var formatTag: UInt16 { self == .float32 ? 3 : 1 }
}

/// RIFF/WAVE reading and writing.
///
/// Reads format tag 1 (PCM: 8-bit unsigned, 16/24/32-bit signed little-endian), tag 3
/// (IEEE float, 32 or 64 bit) and `WAVE_FORMAT_EXTENSIBLE` (0xFFFE) whose sub-format is one
/// of those; any number of channels (mixed down to mono by averaging) and any positive rate.
/// Chunks other than `fmt ` and `data` are skipped (odd sizes are padded, as RIFF requires).
/// A data chunk whose size field is the streaming placeholder 0xFFFFFFFF extends over the
/// whole frames up to the end of the file. Cost: O(file size).
public enum WAVFile {
    /// Reads and mixes down the WAV file at `url`.
    public static func read(_ url: URL) throws(WAVError) -> AudioClip {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw WAVError(file: url.path, kind: .unreadable, detail: "cannot read the file (\(error.localizedDescription))")
        }
        return try decode(data, name: url.path)
    }

    /// Decodes the bytes of a WAV file; `name` names it in errors.
    public static func decode(_ data: Data, name: String) throws(WAVError) -> AudioClip {
        let bytes = [UInt8](data)
        func fail(_ kind: WAVError.Kind, _ detail: String) -> WAVError {
            WAVError(file: name, kind: kind, detail: detail)
        }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else {
            throw fail(.notRIFF, "not a RIFF/WAVE file")
        }
        var format: Format?
        var offset = 12
        while offset < bytes.count {
            guard offset + 8 <= bytes.count else {
                throw fail(.truncated, "truncated chunk header at byte \(offset)")
            }
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let declared = Int(littleEndian(bytes, offset + 4, UInt32.self))
            let body = offset + 8
            if id == "data" {
                guard let format else {
                    throw fail(.missingChunk, "the data chunk comes before any fmt chunk")
                }
                let rest = bytes.count - body
                let size = declared == Int(UInt32.max) ? rest - rest % format.blockAlign : declared
                guard body + size <= bytes.count else {
                    throw fail(.truncated, "the data chunk declares \(size) bytes but the file holds \(bytes.count - body)")
                }
                guard size % format.blockAlign == 0 else {
                    throw fail(.truncated, "the data chunk (\(size) bytes) is not a whole number of \(format.blockAlign)-byte frames")
                }
                return try format.mixdown(bytes[body..<body + size], fail: fail)
            }
            guard body + declared <= bytes.count else {
                throw fail(.truncated, "the '\(id)' chunk (\(declared) bytes) runs past the end of the file")
            }
            if id == "fmt " {
                format = try Format(bytes[body..<body + declared], fail: fail)
            }
            offset = body + declared + (declared & 1)
        }
        throw fail(.missingChunk, format == nil ? "no fmt chunk" : "no data chunk")
    }

    /// The bytes of a WAV file holding `channels` (equal lengths, full scale ±1; values beyond
    /// are clipped) at `sampleRate` Hz in `format`; `extensible` writes a WAVE_FORMAT_EXTENSIBLE
    /// header instead of the plain one.
    public static func encode(channels: [[Float]], sampleRate: Int, format: WAVSampleFormat, extensible: Bool = false) -> Data {
        precondition(!channels.isEmpty && channels.allSatisfy { $0.count == channels[0].count }, "one or more channels of equal length")
        precondition(sampleRate > 0, "a positive sample rate")
        let frames = channels[0].count
        let blockAlign = channels.count * format.bytesPerSample
        var out: [UInt8] = []
        out.reserveCapacity(80 + frames * blockAlign)
        func put<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
        }
        let fmtSize = extensible ? 40 : 16
        out += Array("RIFF".utf8)
        put(UInt32(4 + 8 + fmtSize + 8 + frames * blockAlign))
        out += Array("WAVEfmt ".utf8)
        put(UInt32(fmtSize))
        put(extensible ? UInt16(0xFFFE) : format.formatTag)
        put(UInt16(channels.count))
        put(UInt32(sampleRate))
        put(UInt32(sampleRate * blockAlign))
        put(UInt16(blockAlign))
        put(UInt16(8 * format.bytesPerSample))
        if extensible {
            put(UInt16(22))                          // extension size
            put(UInt16(8 * format.bytesPerSample))   // valid bits per sample
            put(UInt32(0))                           // channel mask: unspecified
            put(format.formatTag)                    // sub-format GUID: tag + KSDATAFORMAT suffix
            out += Format.subformatSuffix
        }
        out += Array("data".utf8)
        put(UInt32(frames * blockAlign))
        for frame in 0..<frames {
            for channel in channels {
                let x = Double(min(max(channel[frame], -1), 1))
                switch format {
                case .pcm8: out.append(UInt8(clamping: Int((x * 128).rounded()) + 128))
                case .pcm16: put(Int16(clamping: Int((x * 32768).rounded())))
                case .pcm24:
                    let v = min(max(Int((x * 8_388_608).rounded()), -8_388_608), 8_388_607)
                    put(UInt8(truncatingIfNeeded: v)); put(UInt8(truncatingIfNeeded: v >> 8)); put(UInt8(truncatingIfNeeded: v >> 16))
                case .pcm32: put(Int32(clamping: Int((x * 2_147_483_648).rounded())))
                case .float32: put(Float(x).bitPattern)
                }
            }
        }
        return Data(out)
    }

    /// Writes `encode(channels:sampleRate:format:extensible:)` to `url`.
    public static func write(channels: [[Float]], sampleRate: Int, format: WAVSampleFormat, extensible: Bool = false, to url: URL) throws {
        try encode(channels: channels, sampleRate: sampleRate, format: format, extensible: extensible).write(to: url)
    }

    /// The decoded `fmt ` chunk.
    private struct Format {
        /// The 14 bytes that follow the format tag in a KSDATAFORMAT sub-format GUID.
        static let subformatSuffix: [UInt8] = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]

        enum Encoding { case unsigned8, signed16, signed24, signed32, float32, float64 }
        let encoding: Encoding
        let channels: Int
        let sampleRate: Double
        let blockAlign: Int

        init(_ chunk: ArraySlice<UInt8>, fail: (WAVError.Kind, String) -> WAVError) throws(WAVError) {
            let base = chunk.startIndex
            guard chunk.count >= 16 else { throw fail(.brokenHeader, "the fmt chunk has \(chunk.count) bytes, fewer than 16") }
            var tag = littleEndian(chunk, base, UInt16.self)
            channels = Int(littleEndian(chunk, base + 2, UInt16.self))
            sampleRate = Double(littleEndian(chunk, base + 4, UInt32.self))
            blockAlign = Int(littleEndian(chunk, base + 12, UInt16.self))
            let bits = Int(littleEndian(chunk, base + 14, UInt16.self))
            if tag == 0xFFFE {
                guard chunk.count >= 40 else {
                    throw fail(.brokenHeader, "the WAVE_FORMAT_EXTENSIBLE fmt chunk has \(chunk.count) bytes, fewer than 40")
                }
                tag = littleEndian(chunk, base + 24, UInt16.self)
                guard chunk[(base + 26)..<(base + 40)].elementsEqual(Format.subformatSuffix) else {
                    throw fail(.unsupportedEncoding, "WAVE_FORMAT_EXTENSIBLE with a non-standard sub-format GUID")
                }
            }
            guard channels > 0 else { throw fail(.brokenHeader, "the fmt chunk declares zero channels") }
            guard sampleRate > 0 else { throw fail(.brokenHeader, "the fmt chunk declares a sample rate of zero") }
            switch (tag, bits) {
            case (1, 8): encoding = .unsigned8
            case (1, 16): encoding = .signed16
            case (1, 24): encoding = .signed24
            case (1, 32): encoding = .signed32
            case (3, 32): encoding = .float32
            case (3, 64): encoding = .float64
            case (1, _): throw fail(.unsupportedEncoding, "\(bits)-bit PCM is not supported (8, 16, 24 or 32 bits are)")
            case (3, _): throw fail(.unsupportedEncoding, "\(bits)-bit float is not supported (32 or 64 bits are)")
            default: throw fail(.unsupportedEncoding, "format tag \(tag) (\(Format.tagName(tag))) is not supported: only PCM (1) and IEEE float (3) are")
            }
            guard blockAlign == channels * bits / 8 else {
                throw fail(.brokenHeader, "block align \(blockAlign) does not match \(channels) channel(s) of \(bits) bits")
            }
        }

        static func tagName(_ tag: UInt16) -> String {
            switch tag {
            case 2: "Microsoft ADPCM"
            case 6: "A-law"
            case 7: "µ-law"
            case 0x11: "IMA ADPCM"
            case 0x55: "MPEG layer 3"
            default: "unknown"
            }
        }

        /// The mono mixdown (channel mean) of whole frames in `data`.
        func mixdown(_ data: ArraySlice<UInt8>, fail: (WAVError.Kind, String) -> WAVError) throws(WAVError) -> AudioClip {
            let frames = data.count / blockAlign
            let width = blockAlign / channels
            var mono = [Float](repeating: 0, count: frames)
            let scale = 1 / Float(channels)
            let base = data.startIndex
            for frame in 0..<frames {
                var sum: Float = 0
                for channel in 0..<channels {
                    let at = base + frame * blockAlign + channel * width
                    let x: Float
                    switch encoding {
                    case .unsigned8: x = (Float(data[at]) - 128) / 128
                    case .signed16: x = Float(Int16(bitPattern: littleEndian(data, at, UInt16.self))) / 32768
                    case .signed24:
                        let raw = Int32(data[at]) | Int32(data[at + 1]) << 8 | Int32(data[at + 2]) << 16
                        x = Float((raw << 8) >> 8) / 8_388_608
                    case .signed32: x = Float(Int32(bitPattern: littleEndian(data, at, UInt32.self))) / 2_147_483_648
                    case .float32: x = Float(bitPattern: littleEndian(data, at, UInt32.self))
                    case .float64: x = Float(Double(bitPattern: littleEndian(data, at, UInt64.self)))
                    }
                    guard x.isFinite else {
                        throw fail(.nonFiniteSample, "sample \(frame) of channel \(channel) is not finite")
                    }
                    sum += x
                }
                mono[frame] = sum * scale
            }
            return AudioClip(samples: mono, sampleRate: sampleRate)
        }
    }
}

/// The little-endian integer of type `T` at `offset` in `bytes` (bounds are the caller's).
private func littleEndian<T: FixedWidthInteger, C: Collection<UInt8>>(_ bytes: C, _ offset: C.Index, _: T.Type) -> T
where C.Index == Int {
    var value: T = 0
    for k in 0..<MemoryLayout<T>.size {
        value |= T(bytes[offset + k]) << (8 * k)
    }
    return value
}
