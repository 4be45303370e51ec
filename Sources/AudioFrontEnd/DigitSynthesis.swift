import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RealNumerics
import SpikeData

/// Why the spoken-digit dataset could not be made.
public enum DigitSynthesisError: Error, CustomStringConvertible, Equatable {
    /// `espeak-ng` is not on the PATH.
    case espeakMissing
    /// A configured voice variant is not among `espeak-ng --voices=variant`.
    case unknownVariant(String)
    /// An `espeak-ng` run failed: exit status (−signal if killed; −1 if it could not start) and its output.
    case espeakFailed(command: String, status: Int32, message: String)
    /// `espeak-ng` wrote a WAV file that cannot be read.
    case unreadableOutput(WAVError)
    /// The scratch folder for synthesised files could not be made.
    case scratchFolder(path: String, message: String)
    case invalidConfiguration(ConfigurationError)

    public var description: String {
        switch self {
        case .espeakMissing: "espeak-ng not found on the PATH: install espeak-ng: apt-get install espeak-ng"
        case .unknownVariant(let v): "espeak-ng has no voice variant '\(v)' (see espeak-ng --voices=variant)"
        case .espeakFailed(let command, let status, let message): "\(command) failed with status \(status): \(message)"
        case .unreadableOutput(let error): "espeak-ng output unreadable: \(error)"
        case .scratchFolder(let path, let message): "cannot make scratch folder \(path): \(message)"
        case .invalidConfiguration(let error): error.description
        }
    }
}

/// The embedded default dataset: the digits zero…nine in English and null…neun in German
/// (20 classes, labels ordered like SHD: English 0–9 = labels 0–9, German 0–9 = labels 10–19),
/// synthesised with `espeak-ng` and encoded by a `CochleaEncoder`.
///
/// A *speaker* is a language voice with a voice variant (e.g. `en-gb-scotland+m3`). Train and
/// test use disjoint variants, so the test split is speaker-independent, as SHD's is. Each
/// class gets `trainPerClass` (`testPerClass`) utterances, cycling through its language's
/// speakers of the split (continuing from class to class, so that all of them speak); each
/// utterance draws a pitch (espeak `-p`) and a speed (`-s`, words per minute) uniformly from
/// the ranges, from `Xoshiro256(seed:, stream: split)`, so a seed fixes the whole dataset.
/// With the defaults: 2 000 train and 500 test utterances (WAV files of 0.7–1.4 s, speech
/// ending after about 0.5 s on average), 96 English and 12 German training speakers, 32 and 4
/// test speakers; about 30 s on 2 cores.
public struct DigitSynthesis: Sendable, Equatable {
    /// The words of labels 0–9.
    public static let englishWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    /// The words of labels 10–19.
    public static let germanWords = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
    /// Class names: "en zero" … "en nine", "de null" … "de neun".
    public static let classNames = englishWords.map { "en \($0)" } + germanWords.map { "de \($0)" }

    /// espeak-ng language voices (accents) that speak the English words.
    public var englishVoices = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd"]
    /// espeak-ng language voices that speak the German words.
    public var germanVoices = ["de"]
    /// Voice variants (espeak-ng `+variant`) of training speakers.
    public var trainVariants = ["m1", "m2", "m3", "m4", "m5", "m6", "f1", "f2", "f3", "klatt", "klatt2", "klatt3"]
    /// Voice variants of test speakers, disjoint from `trainVariants`.
    public var testVariants = ["m7", "f4", "f5", "klatt4"]
    /// Utterances per class in the training split.
    public var trainPerClass = 100
    /// Utterances per class in the test split.
    public var testPerClass = 25
    /// espeak-ng pitch (0–99, its default 50), drawn uniformly per utterance.
    public var pitchRange = 30...70
    /// espeak-ng speed (words per minute, 80–450, its default 175), drawn uniformly per utterance.
    public var speedRange = 110...170

    public init() {}

    /// One planned utterance.
    public struct Utterance: Sendable, Equatable {
        /// Class, 0…19.
        public var label: Int
        /// Index into `speakerNames`.
        public var speaker: Int
        public var isTest: Bool
        /// The word spoken.
        public var text: String
        /// espeak-ng voice with variant, e.g. `en-us+m3`.
        public var voice: String
        public var pitch: Int
        public var speed: Int

        /// The espeak-ng arguments that synthesise it into `output`.
        public func espeakArguments(output: String) -> [String] {
            ["-v", voice, "-p", String(pitch), "-s", String(speed), "-w", output, text]
        }
    }

    /// Every speaker, `voice+variant`: English voices then German, each with the training
    /// variants then the test variants. `Utterance.speaker` and the datasets' `speakers` index it.
    public var speakerNames: [String] {
        (englishVoices + germanVoices).flatMap { voice in (trainVariants + testVariants).map { "\(voice)+\($0)" } }
    }

    /// Checks counts, ranges and that train and test variants are disjoint; errors name the key
    /// as `prefix.key`.
    public func validate(prefix: String = "digits") throws(ConfigurationError) {
        func check(_ ok: Bool, _ key: String, _ message: String) throws(ConfigurationError) {
            if !ok { throw ConfigurationError(key: "\(prefix).\(key)", message: message) }
        }
        try check(!englishVoices.isEmpty, "englishVoices", "must not be empty")
        try check(!germanVoices.isEmpty, "germanVoices", "must not be empty")
        try check(!trainVariants.isEmpty, "trainVariants", "must not be empty")
        try check(!testVariants.isEmpty, "testVariants", "must not be empty")
        try check(Set(trainVariants).isDisjoint(with: testVariants), "testVariants", "must not share a variant with trainVariants")
        try check(trainPerClass > 0, "trainPerClass", "must be positive, got \(trainPerClass)")
        try check(testPerClass > 0, "testPerClass", "must be positive, got \(testPerClass)")
        try check(pitchRange.lowerBound >= 0 && pitchRange.upperBound <= 99, "pitchRange", "must lie in 0...99, got \(pitchRange)")
        try check(speedRange.lowerBound >= 80 && speedRange.upperBound <= 450, "speedRange", "must lie in 80...450, got \(speedRange)")
    }

    /// The utterances for `seed`: the training split (class by class) then the test split.
    public func plan(seed: UInt64) -> [Utterance] {
        let variantCount = trainVariants.count + testVariants.count
        let names = speakerNames
        var utterances: [Utterance] = []
        for (split, isTest) in [(0, false), (1, true)] {
            var rng = Xoshiro256(seed: seed, stream: UInt64(split))
            let variants = isTest ? Array(trainVariants.count..<variantCount) : Array(0..<trainVariants.count)
            for label in 0..<20 {
                let german = label >= 10
                let voices = german ? germanVoices : englishVoices
                let firstVoice = german ? englishVoices.count : 0
                // Speakers of this language and split, voice-major.
                let speakers = voices.indices.flatMap { v in variants.map { (firstVoice + v) * variantCount + $0 } }
                let perClass = isTest ? testPerClass : trainPerClass
                for n in 0..<perClass {
                    let speaker = speakers[(label * perClass + n) % speakers.count]
                    let pitch = pitchRange.lowerBound + rng.index(below: pitchRange.count)
                    let speed = speedRange.lowerBound + rng.index(below: speedRange.count)
                    utterances.append(Utterance(label: label, speaker: speaker, isTest: isTest,
                                                text: german ? Self.germanWords[label - 10] : Self.englishWords[label],
                                                voice: names[speaker], pitch: pitch, speed: speed))
                }
            }
        }
        return utterances
    }

    /// Synthesises `plan(seed:)` with espeak-ng and encodes it with `encoder`, on all cores.
    /// Deterministic for a seed, the encoder parameters and the espeak-ng version.
    public func make(seed: UInt64, encoder: CochleaEncoder) throws(DigitSynthesisError) -> (train: EventDataset, test: EventDataset) {
        do { try validate() } catch { throw .invalidConfiguration(error) }
        let espeak = try Self.locateEspeak()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("eprop-digits-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw .scratchFolder(path: scratch.path, message: error.localizedDescription)
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        let known = try Self.run(espeak, ["--voices=variant"], log: scratch.appendingPathComponent("variants.txt"))
        for variant in trainVariants + testVariants where !known.contains("!v/\(variant) ") && !known.contains("!v/\(variant)\n") {
            throw .unknownVariant(variant)
        }
        let utterances = plan(seed: seed)
        let events = try parallelMap(utterances.count) { i throws(DigitSynthesisError) -> SpikeEvents in
            let file = scratch.appendingPathComponent("\(i).wav")
            _ = try Self.run(espeak, utterances[i].espeakArguments(output: file.path), log: scratch.appendingPathComponent("\(i).log"))
            defer { try? FileManager.default.removeItem(at: file) }
            do throws(WAVError) { return encoder.encode(try WAVFile.read(file)) } catch { throw .unreadableOutput(error) }
        }
        return EventDataset.split(events, labels: utterances.map(\.label), speakers: utterances.map(\.speaker),
                                  isTest: utterances.map(\.isTest), classNames: Self.classNames,
                                  channelCount: encoder.parameters.channels)
    }

    /// Whether `espeak-ng` is on the PATH (tests use it to skip).
    public static var espeakAvailable: Bool { (try? locateEspeak()) != nil }

    /// The first executable `espeak-ng` on the PATH.
    static func locateEspeak() throws(DigitSynthesisError) -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("espeak-ng")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw .espeakMissing
    }

    /// Runs `executable` with `arguments` to completion, its standard output and error going to
    /// the file `log`; returns that text, or throws `espeakFailed` with it on a non-zero status.
    /// Uses `posix_spawn` directly, and a file rather than a pipe: a pipe's write end leaks
    /// into children that other threads spawn meanwhile, which then serialises them.
    static func run(_ executable: URL, _ arguments: [String], log: URL) throws(DigitSynthesisError) -> String {
        let command = ([executable.lastPathComponent] + arguments).joined(separator: " ")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw .espeakFailed(command: command, status: -1, message: "cannot start: \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: log)
        // WIFEXITED(status) && WEXITSTATUS(status) == 0: a normal exit with status 0.
        guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else {
            throw .espeakFailed(command: command, status: status & 0x7F == 0 ? (status >> 8) & 0xFF : -(status & 0x7F),
                                message: text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return text
    }
}
