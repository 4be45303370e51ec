import AudioFrontEnd
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RealNumerics
import SpikeData
import SpikeFiles

/// `eprop data synth-digits | encode`: makes SHD-layout spike files from audio.
enum DataCommand: Subcommand {
    static let name = "data"
    static let summary = "make SHD-layout spike files: synth-digits (embedded default), encode (WAV folder)"
    static let usage = """
    usage: eprop data synth-digits --out DIR [--seed N] [--train-per-class N] [--test-per-class N]
                                   [--cochlea FILE.json] [--float16]
           eprop data encode --wav-dir DIR --out FILE.h5 [--test-out FILE.h5] [--test-percentage 10]
                             [--cochlea FILE.json] [--float16]

    synth-digits  Synthesises the spoken digits zero..nine (English, labels 0-9) and null..neun
                  (German, labels 10-19) with espeak-ng over 9 accents x 16 voice variants,
                  random pitch (30-70) and speed (110-170 wpm) per utterance, encodes them with
                  the cochlea front end and writes DIR/train.h5 and DIR/test.h5. The test split
                  is spoken by voice variants that never occur in training (m7, f4, f5, klatt4):
                  held-out speakers, as in SHD. Deterministic for a seed and espeak-ng version;
                  the defaults (2000 train + 500 test) take about 30 s on 2 idle cores.
    encode        Encodes a folder of WAV files (8/16/24/32-bit PCM or 32/64-bit float, any
                  rate and channel count) in one of two layouts:
                    DIR/{label}_{speaker}_{index}.wav  (Free Spoken Digit Dataset: index < 5 is test)
                    DIR/{label}/{speaker}_{anything}.wav (Speech Commands: a speaker is test when
                      FNV-1a-64(speaker) mod 100 < --test-percentage; folders starting with _ skipped)
                  Writes the training split to --out and the test split to --test-out; without
                  --test-out every sample (both splits) goes to --out.

    Output files use the SHD/SSC HDF5 layout (spikes/times, spikes/units, labels,
    extra/speaker, extra/keys, extra/meta_info) and are readable by `eprop train` (data.source
    "hdf5"), tonic, sparch or h5py. Each file is written atomically, and a command writing two
    files replaces both or neither: on any failure no new file is left behind.

    options:
      --out DIR | FILE       synth-digits: output folder (created); encode: training (or only) file
      --seed N               synth-digits: seeds pitches and speeds (default 1)
      --train-per-class N    synth-digits: training utterances per class (default 100)
      --test-per-class N     synth-digits: test utterances per class (default 25)
      --wav-dir DIR          encode: the folder of WAV files
      --test-out FILE        encode: the test split's file
      --test-percentage P    encode, folder-per-label layout: percent of speakers in the test
                             split, 0-100 (default 10; the flat layout's rule is index < 5)
      --cochlea FILE.json    front-end parameters (JSON object, snake_case keys, absent keys take
                             the defaults): channels 700, working_rate 16000, lowest_frequency 50,
                             highest_frequency 7000, bandwidth_scale 1 (ERB),
                             pre_emphasis_frequency 300 (null: off), peak_level 1 (null: off),
                             membrane_time_constant 0.002, threshold 0.19, refractory_period 0.001,
                             adaptation_time_constant 0.05, adaptation_increment 0.1 (seconds, Hz)
      --float16              store spike times as float16 like the original SHD files (a third
                             smaller, ~0.5-1 ms resolution); default float32 (exact)

    Train on the result with `eprop train --config configs/default.json` (reads
    data/digits/train.h5 and test.h5) or `--train FILE --test FILE` with any config.
    """

    static func run(_ arguments: inout Arguments) throws -> Int32 {
        // Every option of both actions is consumed before the action word, so an option value
        // that happens to be "encode" or "synth-digits" is never taken for the action.
        let out = try arguments.option("--out")
        let seedText = try arguments.option("--seed")
        let trainPerClassText = try arguments.option("--train-per-class")
        let testPerClassText = try arguments.option("--test-per-class")
        let wavDir = try arguments.option("--wav-dir")
        let testOut = try arguments.option("--test-out")
        let testPercentageText = try arguments.option("--test-percentage")
        let cochleaPath = try arguments.option("--cochlea")
        let float16 = arguments.flag("--float16")
        let synth = arguments.flag("synth-digits")
        let encode = arguments.flag("encode")
        try arguments.finish()
        guard synth != encode else {
            throw UsageError(synth ? "give one action: synth-digits or encode" : "expected an action: `eprop data synth-digits` or `eprop data encode`")
        }
        func reject(_ options: [(String?, String)], for action: String) throws(UsageError) {
            if let given = options.first(where: { $0.0 != nil }) { throw UsageError("\(given.1) does not apply to `data \(action)`") }
        }
        let timeFormat: SHDFile.TimeFormat = float16 ? .float16 : .float32

        if synth {
            try reject([(wavDir, "--wav-dir"), (testOut, "--test-out"), (testPercentageText, "--test-percentage")], for: "synth-digits")
            guard let out, !out.isEmpty else { throw UsageError("missing required option --out DIR") }
            var synthesis = DigitSynthesis()
            let seed = try seedText.map { text throws(UsageError) -> UInt64 in
                guard let n = UInt64(text) else { throw UsageError("--seed expects a non-negative integer, got \"\(text)\"") }
                return n
            } ?? 1
            synthesis.trainPerClass = try positive(trainPerClassText, "--train-per-class") ?? synthesis.trainPerClass
            synthesis.testPerClass = try positive(testPerClassText, "--test-per-class") ?? synthesis.testPerClass
            let encoder = try loadEncoder(cochleaPath)
            return try synthesiseDigits(synthesis, seed: seed, encoder: encoder, out: out, timeFormat: timeFormat)
        } else {
            try reject([(seedText, "--seed"), (trainPerClassText, "--train-per-class"), (testPerClassText, "--test-per-class")], for: "encode")
            guard let wavDir, !wavDir.isEmpty else { throw UsageError("missing required option --wav-dir DIR") }
            guard let out, !out.isEmpty else { throw UsageError("missing required option --out FILE.h5") }
            if let testOut {
                guard !testOut.isEmpty else { throw UsageError("--test-out needs a file name") }
                guard standardised(testOut) != standardised(out) else { throw UsageError("--out and --test-out name the same file \(out)") }
            }
            var testPercentage = 10
            if let testPercentageText {
                guard let p = Int(testPercentageText), (0...100).contains(p) else {
                    throw UsageError("--test-percentage expects an integer in 0...100, got \"\(testPercentageText)\"")
                }
                testPercentage = p
            }
            let encoder = try loadEncoder(cochleaPath)
            return try encodeFolder(wavDir, out: out, testOut: testOut, testPercentage: testPercentage,
                                    percentageGiven: testPercentageText != nil, encoder: encoder, timeFormat: timeFormat)
        }
    }

    // MARK: - Actions

    static func synthesiseDigits(_ synthesis: DigitSynthesis, seed: UInt64, encoder: CochleaEncoder, out: String,
                                 timeFormat: SHDFile.TimeFormat) throws -> Int32 {
        let trainPath = (out as NSString).appendingPathComponent("train.h5")
        let testPath = (out as NSString).appendingPathComponent("test.h5")
        try makeDirectory(out)
        let utterances = 20 * (synthesis.trainPerClass + synthesis.testPerClass)
        print("synth-digits: synthesising \(utterances) utterances with espeak-ng (seed \(seed)) and encoding them into "
              + "\(encoder.parameters.channels) channels on \(ProcessInfo.processInfo.activeProcessorCount) cores…")
        let start = Date()
        let (train, test) = try synthesis.make(seed: seed, encoder: encoder)
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "synth-digits: %d train + %d test samples, 20 classes, in %.1f s (%.1f ms per utterance)",
                     train.count, test.count, seconds, 1000 * seconds / Double(utterances)))
        print("  train speakers: \(Set(train.speakers).count) (\(synthesis.trainVariants.count) voice variants × "
              + "\(synthesis.englishVoices.count + synthesis.germanVoices.count) accents); held-out test speakers: "
              + "\(Set(test.speakers).count) (variants \(synthesis.testVariants.joined(separator: ", ")))")
        printStatistics(train, name: "train")
        printStatistics(test, name: "test")
        try writeTogether([(train, trainPath), (test, testPath)], timeFormat: timeFormat)
        print("wrote \(trainPath) (\(fileSize(trainPath))) and \(testPath) (\(fileSize(testPath)))")
        return 0
    }

    static func encodeFolder(_ wavDir: String, out: String, testOut: String?, testPercentage: Int, percentageGiven: Bool,
                             encoder: CochleaEncoder, timeFormat: SHDFile.TimeFormat) throws -> Int32 {
        let collection = try WAVCollection.scan(URL(fileURLWithPath: wavDir), testPercentage: testPercentage)
        let testCount = collection.items.filter(\.isTest).count
        let rule = collection.layout == .flat
            ? "flat {label}_{speaker}_{index}.wav layout: index < 5 is test"
            : "one folder per label: \(testPercentage) % of speakers are test"
        print("encode: \(collection.items.count) WAV files, \(collection.classNames.count) classes, \(collection.speakerNames.count) speakers "
              + "(\(rule); \(collection.items.count - testCount) train, \(testCount) test)")
        if percentageGiven && collection.layout == .flat {
            print("encode: note: --test-percentage applies to the folder-per-label layout only; ignored")
        }
        let start = Date()
        let events = try encoder.encode(files: collection.items.map(\.file))
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "encode: %d files encoded into %d channels in %.1f s", events.count, encoder.parameters.channels, seconds))

        func dataset(_ keep: (WAVCollection.Item) -> Bool) -> EventDataset {
            let picked = collection.items.indices.filter { keep(collection.items[$0]) }
            return EventDataset(samples: picked.map { events[$0] }, labels: picked.map { collection.items[$0].label },
                                speakers: picked.map { collection.items[$0].speaker }, classNames: collection.classNames,
                                channelCount: encoder.parameters.channels)
        }
        if let testOut {
            let train = dataset { !$0.isTest }, test = dataset(\.isTest)
            guard train.count > 0 else { throw DataCommandError("\(wavDir): no file falls in the training split (\(rule)); nothing written") }
            guard test.count > 0 else {
                throw DataCommandError("\(wavDir): no file falls in the test split (\(rule)); nothing written. "
                                       + "Omit --test-out to write every file to \(out)\(collection.layout == .flat ? "" : ", or raise --test-percentage")")
            }
            printStatistics(train, name: "train")
            printStatistics(test, name: "test")
            try writeTogether([(train, out), (test, testOut)], timeFormat: timeFormat)
            print("wrote \(out) (\(train.count) samples, \(fileSize(out))) and \(testOut) (\(test.count) samples, \(fileSize(testOut)))")
        } else {
            let all = dataset { _ in true }
            printStatistics(all, name: "all")
            try writeTogether([(all, out)], timeFormat: timeFormat)
            print("wrote \(out) (\(fileSize(out))): all \(all.count) samples, train and test splits together "
                  + "(no --test-out given; pass --test-out FILE to write the test split separately)")
        }
        return 0
    }

    // MARK: - Helpers

    /// The front end described by the JSON file at `path` (defaults without one). A missing or
    /// malformed file, an unknown key or a value out of range is an error naming the file.
    static func loadEncoder(_ path: String?) throws -> CochleaEncoder {
        var parameters = CochleaParameters()
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw DataCommandError("\(path): cannot read the cochlea parameter file")
            }
            do {
                parameters = try JSONDecoder().decode(CochleaParameters.self, from: data)
            } catch let error as ConfigurationError {
                throw DataCommandError("\(path): \(error.key): \(error.message)")
            } catch let error as DecodingError {
                throw DataCommandError("\(path): \(describe(error))")
            } catch {
                throw DataCommandError("\(path): \(error)")
            }
        }
        do {
            return try CochleaEncoder(parameters)
        } catch {
            throw DataCommandError("\(path ?? "cochlea defaults"): \(error.key): \(error.message)")
        }
    }

    /// A positive integer option, or nil when absent.
    static func positive(_ text: String?, _ name: String) throws(UsageError) -> Int? {
        guard let text else { return nil }
        guard let n = Int(text), n > 0 else { throw UsageError("\(name) expects a positive integer, got \"\(text)\"") }
        return n
    }

    /// Writes every dataset to its path so that all paths are replaced or none is: each goes
    /// (atomically, by `SHDFile.write`) to a hidden staging name beside its target first; only
    /// when all are written are they renamed into place. A failure removes every staged file,
    /// so existing files stay as they were and no mismatched pair (a new test file next to an
    /// old training file) is left behind.
    static func writeTogether(_ outputs: [(EventDataset, String)], timeFormat: SHDFile.TimeFormat) throws {
        var staged: [(staging: String, target: String)] = []
        func discardStaged() { for s in staged { unlink(s.staging) } }
        do {
            for (dataset, target) in outputs {
                let directory = (target as NSString).deletingLastPathComponent
                try makeDirectory(directory)
                let staging = ((directory.isEmpty ? "." : directory) as NSString)
                    .appendingPathComponent(".\((target as NSString).lastPathComponent).staged-\(getpid())-\(UUID().uuidString.prefix(8))")
                do {
                    try SHDFile.write(dataset, to: staging, timeFormat: timeFormat)
                } catch {
                    // SHDFile.write leaves nothing at `staging` on failure; name the real target.
                    var named = error
                    named.file = target
                    throw named
                }
                staged.append((staging, target))
            }
        } catch {
            discardStaged()
            throw error
        }
        for (i, s) in staged.enumerated() {
            guard rename(s.staging, s.target) != 0 else { continue }
            let reason = String(cString: strerror(errno))
            for later in staged[i...] { unlink(later.staging) }
            // The targets renamed so far would pair with stale files: remove them too.
            for earlier in staged[..<i] { unlink(earlier.target) }
            throw DataCommandError("\(s.target): cannot move the written file into place (\(reason)); "
                                   + (i == 0 ? "nothing written" : "removed \(staged[..<i].map(\.target).joined(separator: ", ")) as well"))
        }
        for directory in Set(staged.map { ($0.target as NSString).deletingLastPathComponent }) {
            syncDirectory(directory.isEmpty ? "." : directory)
        }
    }

    /// mkdir -p; an error names the path.
    static func makeDirectory(_ path: String) throws {
        guard !path.isEmpty else { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DataCommandError("\(path): exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw DataCommandError("\(path): cannot create the directory (\(error.localizedDescription))")
        }
    }

    /// Makes the renames in `directory` durable (best effort).
    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    static func standardised(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    static func fileSize(_ path: String) -> String {
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return String(format: "%.1f MB", Double(bytes) / 1e6)
    }

    /// Spike statistics of a dataset: what a config's data and initialization sections need.
    struct Statistics {
        var samples: Int
        var meanSpikes: Double
        var minSpikes: Int
        var maxSpikes: Int
        /// Mean fraction of channels active per bin, 100 bins over 1.4 s (SHD's common binning).
        var activeFraction: Double
        /// Time of the last spike: mean and 95th percentile over samples (seconds).
        var meanLastSpike: Double
        var lastSpike95: Double
        /// Fraction of all spikes at or after 1.4 s (dropped by the common binning).
        var lateFraction: Double

        init(_ dataset: EventDataset) {
            samples = dataset.count
            let counts = dataset.samples.map(\.times.count)
            meanSpikes = Double(counts.reduce(0, +)) / Double(max(1, counts.count))
            minSpikes = counts.min() ?? 0
            maxSpikes = counts.max() ?? 0
            let binned = dataset.binned(steps: 100, maxTime: 1.4)
            let active = binned.samples.reduce(0) { $0 + $1.spikeCount }
            activeFraction = Double(active) / Double(max(1, binned.count * 100 * dataset.channelCount))
            let last = dataset.samples.map { Double($0.times.last ?? 0) }.sorted()
            meanLastSpike = last.reduce(0, +) / Double(max(1, last.count))
            lastSpike95 = last.isEmpty ? 0 : last[min(last.count - 1, Int(0.95 * Double(last.count)))]
            let late = dataset.samples.reduce(0) { $0 + $1.times.filter { $0 >= 1.4 }.count }
            lateFraction = Double(late) / Double(max(1, counts.reduce(0, +)))
        }
    }

    static func printStatistics(_ dataset: EventDataset, name: String) {
        let s = Statistics(dataset)
        print(String(format: "  %@: %d samples; spikes per sample mean %.0f (min %d, max %d); %.2f %% of the %d channels active "
                     + "per 14 ms bin (100 bins over 1.4 s); last spike mean %.2f s, 95th percentile %.2f s; %.2f %% of spikes after 1.4 s",
                     name, s.samples, s.meanSpikes, s.minSpikes, s.maxSpikes, 100 * s.activeFraction, dataset.channelCount,
                     s.meanLastSpike, s.lastSpike95, 100 * s.lateFraction))
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map(\.stringValue).joined(separator: ".")
            return p.isEmpty ? "" : "\(p): "
        }
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c):
            return path(c) + c.debugDescription
        case .dataCorrupted(let c):
            return path(c) + "not valid JSON (\(c.underlyingError.map { "\($0)" } ?? c.debugDescription))"
        @unknown default:
            return "\(error)"
        }
    }
}

/// A failure of `eprop data` that is not a usage error (exit 1), naming the file at fault.
struct DataCommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
