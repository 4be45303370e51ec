import Foundation
import SpikeData
import Testing
import AudioFrontEnd

/// A scratch folder holding empty-but-valid WAV files at the given relative paths.
private struct Scratch: ~Copyable {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID().uuidString)")

    init(_ paths: [String]) throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for path in paths {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if path.hasSuffix("/") { continue }
            let samples = tone(500 + 100 * Double(path.count % 7), rate: 8_000, count: 800)
            try WAVFile.write(channels: [samples], sampleRate: 8_000, format: .pcm16, to: url)
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }
}

/// The reference FNV-1a-64 of the documented split rule.
private func fnv1a64(_ text: String) -> UInt64 {
    text.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
}

@Suite struct WAVCollectionTests {
    @Test func referenceHashIsFNV1a() {
        #expect(fnv1a64("") == 0xCBF2_9CE4_8422_2325)
        #expect(fnv1a64("a") == 0xAF63_DC4C_8601_EC8C)
    }

    @Test func flatLayoutFollowsFSDDNamingAndSplit() throws {
        let scratch = try Scratch(["10_bob_3.wav", "2_alice_0.wav", "2_alice_7.wav", "2_jo_hn_12.WAV", "10_alice_5.wav", "README.md", ".hidden.wav"])
        let set = try WAVCollection.scan(scratch.root)
        #expect(set.layout == .flat)
        #expect(set.classNames == ["2", "10"], "integer labels sort numerically")
        #expect(set.speakerNames == ["alice", "bob", "jo_hn"])
        let summary = set.items.map { "\($0.file.lastPathComponent) \($0.label) \($0.speaker) \($0.isTest)" }
        #expect(summary == ["2_alice_0.wav 0 0 true", "2_alice_7.wav 0 0 false", "2_jo_hn_12.WAV 0 2 false",
                            "10_alice_5.wav 1 0 false", "10_bob_3.wav 1 1 true"])
    }

    @Test func folderPerLabelLayoutSplitsBySpeakerHash() throws {
        let speakers = (0..<40).map { String(format: "%08x", $0 &* 2_654_435_761 % 0xFFFF_FFFF) }
        let paths = ["yes", "no", "up"].flatMap { label in speakers.map { "\(label)/\($0)_nohash_0.wav" } }
            + ["_background_noise_/white.wav", "no/plain.wav", "empty/", "nested/deeper/x_nohash_0.wav", "testing_list.txt"]
        let scratch = try Scratch(paths)
        let set = try WAVCollection.scan(scratch.root, testPercentage: 25)
        #expect(set.layout == .folderPerLabel)
        #expect(set.classNames == ["no", "up", "yes"])
        #expect(set.speakerNames == (speakers + ["plain"]).sorted())
        #expect(set.items.count == 3 * 40 + 1)
        for item in set.items {
            let speaker = set.speakerNames[item.speaker]
            #expect(item.isTest == (fnv1a64(speaker) % 100 < 25), "\(speaker)")
            #expect(item.file.deletingLastPathComponent().lastPathComponent == set.classNames[item.label])
        }
        let testShare = Double(set.items.filter(\.isTest).count) / Double(set.items.count)
        #expect(testShare > 0.05 && testShare < 0.5)
        #expect(try WAVCollection.scan(scratch.root, testPercentage: 0).items.allSatisfy { !$0.isTest })
        #expect(try WAVCollection.scan(scratch.root, testPercentage: 100).items.allSatisfy(\.isTest))
    }

    @Test func badFoldersAreNamed() throws {
        func message(_ root: URL) -> DatasetLayoutError? {
            do { _ = try WAVCollection.scan(root); return nil } catch { return error }
        }
        let empty = try Scratch(["notes.txt", "_background_noise_/a.wav"])
        #expect(message(empty.root)?.message.contains("no .wav files") == true)
        #expect(message(empty.root)?.path == empty.root.path)

        let stray = try Scratch(["1_ann_1.wav", "hello.wav"])
        #expect(message(stray.root)?.path == stray.root.appendingPathComponent("hello.wav").path)
        #expect(message(stray.root)?.message.contains("matches neither layout") == true)
        for name in ["1_ann.wav", "_ann_1.wav", "1__1.wav", "1_ann_x.wav"] {
            let odd = try Scratch([name])
            #expect(message(odd.root)?.path.hasSuffix(name) == true, "\(name)")
        }

        let mixed = try Scratch(["1_ann_1.wav", "yes/a_nohash_0.wav"])
        #expect(message(mixed.root)?.message.contains("mixes layouts") == true)

        let missing = empty.root.appendingPathComponent("nope")
        #expect(message(missing)?.message.contains("not a readable folder") == true)
    }

    @Test func encodingACollectionKeepsLabelsSpeakersAndSplit() throws {
        let scratch = try Scratch(["0_ann_0.wav", "0_ann_9.wav", "1_bob_6.wav", "1_ann_2.wav"])
        let set = try WAVCollection.scan(scratch.root)
        var parameters = CochleaParameters()
        parameters.channels = 32
        let (train, test) = try CochleaEncoder(parameters).encode(set)
        #expect(train.labels == [0, 1] && train.speakers == [0, 1])
        #expect(test.labels == [0, 1] && test.speakers == [0, 0])
        #expect(train.classNames == ["0", "1"] && test.classNames == ["0", "1"])
        #expect(train.channelCount == 32)
        #expect(train.samples.allSatisfy { !$0.times.isEmpty })
    }
}
