import AudioFrontEnd
import CommandLineTool
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SpikeData
import SpikeFiles
import Testing

/// `eprop data synth-digits | encode`, run in-process through `EPropCommand.run`.
@Suite("Command line: eprop data", .serialized)
struct DataCommandTests {
    /// A small front end: 64 channels keep the debug-build encoding fast.
    func smallCochlea(in directory: String) -> String {
        let path = directory + "/cochlea.json"
        _ = FileManager.default.createFile(atPath: path, contents: Data(#"{"channels": 64, "highest_frequency": 6000}"#.utf8))
        return path
    }

    /// A tone of `frequency` Hz with a 20 ms onset, `seconds` long.
    func tone(_ frequency: Double, seconds: Double = 0.25, rate: Int = 8000) -> [Float] {
        (0..<Int(seconds * Double(rate))).map { n in
            let t = Double(n) / Double(rate)
            return Float(0.5 * min(1, t / 0.02) * sin(2 * Double.pi * frequency * t))
        }
    }

    /// Runs `arguments` and returns the exit code and the error it reported (as printed to
    /// standard error, without touching the process's descriptors other tests write to).
    func runCapturingStandardError(_ arguments: [String]) -> (status: Int32, standardError: String) {
        var reported = ""
        let status = EPropCommand.run(arguments) { reported += "error: \($0)\n" }
        return (status, reported)
    }

    /// Files in `directory`, hidden ones included (staging leftovers would show here).
    func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    @Test(.enabled(if: DigitSynthesis.espeakAvailable, "espeak-ng is not installed (apt-get install espeak-ng)"))
    func synthDigitsWritesTwoReadableFilesWithTwentyClasses() throws {
        let directory = temporaryDirectory()
        let out = directory + "/digits"
        let status = EPropCommand.run(["data", "synth-digits", "--out", out, "--seed", "5", "--train-per-class", "2",
                                       "--test-per-class", "1", "--cochlea", smallCochlea(in: directory), "--float16"])
        #expect(status == 0)
        #expect(entries(out) == ["test.h5", "train.h5"], "exactly the two files, no staging leftovers")
        let train = try SHDFile.read(from: out + "/train.h5", channelCount: 64)
        let test = try SHDFile.read(from: out + "/test.h5", channelCount: 64)
        #expect(train.classNames == DigitSynthesis.classNames && test.classNames == DigitSynthesis.classNames)
        #expect(train.count == 40 && test.count == 20)
        for label in 0..<20 {
            #expect(train.labels.filter { $0 == label }.count == 2)
            #expect(test.labels.filter { $0 == label }.count == 1)
        }
        #expect(Set(train.speakers).isDisjoint(with: test.speakers), "test voices are held out")
        #expect(train.samples.allSatisfy { !$0.times.isEmpty } && test.samples.allSatisfy { !$0.times.isEmpty })
        #expect(train.samples.allSatisfy { $0.units.allSatisfy { $0 < 64 } })
        // (Determinism for a seed is covered by AudioFrontEndTests; a second synthesis here
        // would double this test's time.)
    }

    @Test func encodeFlatLayoutSplitsByIndexAndLabelsByName() throws {
        let directory = temporaryDirectory()
        let wavs = directory + "/fsdd"
        try FileManager.default.createDirectory(atPath: wavs, withIntermediateDirectories: true)
        // Labels 0..2 at distinct pitches, speakers "ann" and "bob", indices 3..6: < 5 is test.
        for label in 0..<3 {
            for speaker in ["ann", "bob"] {
                for index in 3...6 {
                    try WAVFile.write(channels: [tone(300 * Double(label + 1))], sampleRate: 8000, format: .pcm16,
                                      to: URL(fileURLWithPath: "\(wavs)/\(label)_\(speaker)_\(index).wav"))
                }
            }
        }
        let train = directory + "/out/train.h5", test = directory + "/out/test.h5"
        #expect(EPropCommand.run(["data", "encode", "--wav-dir", wavs, "--out", train, "--test-out", test,
                                  "--cochlea", smallCochlea(in: directory)]) == 0)
        let trainSet = try SHDFile.read(from: train, channelCount: 64)
        let testSet = try SHDFile.read(from: test, channelCount: 64)
        #expect(trainSet.classNames == ["0", "1", "2"] && testSet.classNames == ["0", "1", "2"])
        #expect(trainSet.labels == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], "indices 5, 6 of both speakers per class")
        #expect(testSet.labels == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], "indices 3, 4")
        #expect(Set(trainSet.speakers) == [0, 1])
        // Higher tones drive higher channels.
        func meanUnit(_ label: Int) -> Double {
            let units = zip(trainSet.samples, trainSet.labels).filter { $0.1 == label }.flatMap { $0.0.units.map(Double.init) }
            return units.reduce(0, +) / Double(units.count)
        }
        #expect(meanUnit(0) < meanUnit(1) && meanUnit(1) < meanUnit(2))

        // Without --test-out everything goes to --out.
        let all = directory + "/all.h5"
        #expect(EPropCommand.run(["data", "encode", "--wav-dir", wavs, "--out", all, "--cochlea", smallCochlea(in: directory)]) == 0)
        #expect(try SHDFile.read(from: all, channelCount: 64).count == 24)
    }

    @Test func encodeFolderPerLabelLayout() throws {
        let directory = temporaryDirectory()
        let wavs = directory + "/commands"
        for (k, word) in ["no", "yes"].enumerated() {
            try FileManager.default.createDirectory(atPath: "\(wavs)/\(word)", withIntermediateDirectories: true)
            for speaker in ["a1b2", "c3d4", "e5f6"] {
                // Stereo 24-bit at 11025 Hz: mixed down and resampled by the front end.
                let mono = tone(500 * Double(k + 1), rate: 11025)
                try WAVFile.write(channels: [mono, mono], sampleRate: 11025, format: .pcm24,
                                  to: URL(fileURLWithPath: "\(wavs)/\(word)/\(speaker)_nohash_0.wav"))
            }
        }
        try FileManager.default.createDirectory(atPath: "\(wavs)/_background_noise_", withIntermediateDirectories: true)
        try WAVFile.write(channels: [tone(50)], sampleRate: 8000, format: .pcm16,
                          to: URL(fileURLWithPath: "\(wavs)/_background_noise_/noise.wav"))
        let out = directory + "/commands.h5"
        #expect(EPropCommand.run(["data", "encode", "--wav-dir", wavs, "--out", out, "--test-percentage", "0",
                                  "--cochlea", smallCochlea(in: directory)]) == 0)
        let data = try SHDFile.read(from: out, channelCount: 64)
        #expect(data.classNames == ["no", "yes"])
        #expect(data.labels == [0, 0, 0, 1, 1, 1])
        #expect(data.speakers == [0, 1, 2, 0, 1, 2])

        // With no speaker in the test split, a separate test file cannot be made: refused, nothing written.
        let train = directory + "/split/train.h5", test = directory + "/split/test.h5"
        #expect(EPropCommand.run(["data", "encode", "--wav-dir", wavs, "--out", train, "--test-out", test, "--test-percentage", "0",
                                  "--cochlea", smallCochlea(in: directory)]) == 1)
        #expect(!FileManager.default.fileExists(atPath: train) && !FileManager.default.fileExists(atPath: test))
    }

    @Test func badFlagsExitTwo() {
        let directory = temporaryDirectory()
        let cases: [[String]] = [
            ["data"],
            ["data", "fly"],
            ["data", "synth-digits"],
            ["data", "synth-digits", "--out"],
            ["data", "synth-digits", "--out", directory, "--train-per-class", "0"],
            ["data", "synth-digits", "--out", directory, "--test-per-class", "many"],
            ["data", "synth-digits", "--out", directory, "--seed", "-1"],
            ["data", "synth-digits", "--out", directory, "--wav-dir", directory],
            ["data", "synth-digits", "--out", directory, "--bogus"],
            ["data", "synth-digits", "encode", "--out", directory],
            ["data", "encode", "--out", directory + "/x.h5"],
            ["data", "encode", "--wav-dir", directory],
            ["data", "encode", "--wav-dir", directory, "--out", directory + "/x.h5", "--test-percentage", "101"],
            ["data", "encode", "--wav-dir", directory, "--out", directory + "/x.h5", "--test-out", directory + "/x.h5"],
            ["data", "encode", "--wav-dir", directory, "--out", directory + "/x.h5", "--seed", "3"],
        ]
        for arguments in cases {
            #expect(EPropCommand.run(arguments) == 2, "\(arguments)")
        }
        #expect(entries(directory).isEmpty, "usage errors write nothing")
        #expect(EPropCommand.run(["data", "--help"]) == 0)
    }

    @Test func brokenWAVExitsOneNamingTheFileAndWritesNothing() throws {
        let directory = temporaryDirectory()
        let wavs = directory + "/wavs"
        try FileManager.default.createDirectory(atPath: wavs, withIntermediateDirectories: true)
        for index in 0..<6 {
            try WAVFile.write(channels: [tone(440)], sampleRate: 8000, format: .float32,
                              to: URL(fileURLWithPath: "\(wavs)/7_zoe_\(index).wav"))
        }
        // A header cut short in the middle of its fmt chunk.
        let broken = "\(wavs)/7_zoe_9.wav"
        let bytes = WAVFile.encode(channels: [tone(440)], sampleRate: 8000, format: .pcm16)
        _ = FileManager.default.createFile(atPath: broken, contents: bytes.prefix(30))
        let out = directory + "/out/train.h5", testOut = directory + "/out/test.h5"
        let (status, message) = runCapturingStandardError(["data", "encode", "--wav-dir", wavs, "--out", out, "--test-out", testOut,
                                                           "--cochlea", smallCochlea(in: directory)])
        #expect(status == 1)
        #expect(message.contains("7_zoe_9.wav"), "\(message)")
        #expect(message.hasPrefix("error: "), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: out) && !FileManager.default.fileExists(atPath: testOut))
        #expect(entries(directory + "/out").isEmpty, "no staging leftovers")
    }

    @Test func badCochleaFileAndBadFolderExitOneNamingThem() throws {
        let directory = temporaryDirectory()
        let cochlea = directory + "/bad-cochlea.json"
        _ = FileManager.default.createFile(atPath: cochlea, contents: Data(#"{"channels": 64, "treshold": 0.2}"#.utf8))
        var (status, message) = runCapturingStandardError(["data", "encode", "--wav-dir", directory, "--out", directory + "/x.h5",
                                                           "--cochlea", cochlea])
        #expect(status == 1)
        #expect(message.contains("bad-cochlea.json") && message.contains("treshold"), "\(message)")

        (status, message) = runCapturingStandardError(["data", "encode", "--wav-dir", directory + "/missing", "--out", directory + "/x.h5"])
        #expect(status == 1)
        #expect(message.contains(directory + "/missing"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/x.h5"))
    }

    @Test func aFailedSecondFileLeavesTheOldPairIntact() throws {
        // --test-out inside a path that cannot be a directory (a regular file is in the way):
        // the training file is staged, the test file fails, and neither target is touched.
        let directory = temporaryDirectory()
        let wavs = directory + "/wavs"
        try FileManager.default.createDirectory(atPath: wavs, withIntermediateDirectories: true)
        for index in 0..<7 {
            try WAVFile.write(channels: [tone(600)], sampleRate: 8000, format: .pcm16, to: URL(fileURLWithPath: "\(wavs)/1_max_\(index).wav"))
        }
        let out = directory + "/train.h5"
        _ = FileManager.default.createFile(atPath: out, contents: Data("old".utf8))
        _ = FileManager.default.createFile(atPath: directory + "/blocker", contents: Data())
        let (status, message) = runCapturingStandardError(["data", "encode", "--wav-dir", wavs, "--out", out,
                                                           "--test-out", directory + "/blocker/test.h5", "--cochlea", smallCochlea(in: directory)])
        #expect(status == 1)
        #expect(message.contains("blocker"), "\(message)")
        #expect(FileManager.default.contents(atPath: out) == Data("old".utf8), "the old training file is untouched")
        #expect(entries(directory) == ["blocker", "cochlea.json", "train.h5", "wavs"], "no staging leftovers")
    }
}
