import Foundation

/// A folder of WAV files that cannot be scanned as a labelled set, naming the path and why.
public struct DatasetLayoutError: Error, CustomStringConvertible, Equatable {
    /// The folder or file at fault.
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// A labelled set of WAV files found in a folder, split into train and test.
///
/// Two layouts are recognised (files are `.wav`, any case; hidden entries are ignored, and so
/// are other files, e.g. a README):
///
/// - **Flat** (Free Spoken Digit Dataset): every WAV file directly in the folder is named
///   `{label}_{speaker}_{index}.wav` (label and speaker non-empty, index a decimal integer;
///   underscores inside the speaker are kept). As in FSDD, **index < 5 is test**, the rest
///   train (so test speakers also appear in train).
/// - **One sub-folder per label** (Speech Commands): `{label}/{name}.wav`; sub-folders whose
///   name starts with `_` (e.g. `_background_noise_`) are skipped, and so are deeper levels.
///   The speaker is the file name up to its first `_` (Speech Commands' `{speaker}_nohash_{n}`),
///   or the whole name without one. **A speaker is test when FNV-1a-64(UTF-8 speaker name)
///   mod 100 < `testPercentage`**, so the split is speaker-independent and stable as files
///   are added. (Speech Commands' own `testing_list.txt` is not read.)
///
/// Class names are the distinct labels sorted (numerically when all are integers, otherwise
/// by Unicode scalars); speakers are indexed in sorted name order; items are ordered by class,
/// then file name, so the result depends only on the folder's contents.
public struct WAVCollection: Sendable, Equatable {
    public enum Layout: String, Sendable, Equatable {
        case flat
        case folderPerLabel
    }

    /// One WAV file with its class, speaker and split.
    public struct Item: Sendable, Equatable {
        public var file: URL
        /// Index into `classNames`.
        public var label: Int
        /// Index into `speakerNames`.
        public var speaker: Int
        public var isTest: Bool
    }

    public var layout: Layout
    public var items: [Item]
    public var classNames: [String]
    public var speakerNames: [String]

    /// Scans `folder`. Throws when it is not a readable folder, holds no WAV files, mixes the
    /// two layouts, or has a top-level WAV file not named `{label}_{speaker}_{index}.wav`.
    /// `testPercentage` (0…100, a precondition: callers validate user input) applies to the
    /// folder-per-label layout only. Cost: one directory listing per label folder.
    public static func scan(_ folder: URL, testPercentage: Int = 10) throws(DatasetLayoutError) -> WAVCollection {
        precondition((0...100).contains(testPercentage), "the test percentage must be in 0...100")
        let top = try listing(folder)
        let flatFiles = top.filter { !$0.isDirectory && isWAV($0.url) }.map(\.url)
        var nested: [(label: String, files: [URL])] = []
        for entry in top where entry.isDirectory && !entry.url.lastPathComponent.hasPrefix("_") {
            let files = try listing(entry.url).filter { !$0.isDirectory && isWAV($0.url) }.map(\.url)
            if !files.isEmpty { nested.append((entry.url.lastPathComponent, files)) }
        }
        switch (flatFiles.isEmpty, nested.isEmpty) {
        case (true, true):
            throw DatasetLayoutError(path: folder.path, message: "no .wav files: expected {label}_{speaker}_{index}.wav files or one sub-folder of .wav files per label")
        case (false, false):
            throw DatasetLayoutError(path: folder.path, message: "mixes layouts: .wav files at the top (e.g. \(flatFiles[0].lastPathComponent)) and in label folders (e.g. \(nested[0].label)/)")
        case (false, true):
            let parsed = try flatFiles.map { url throws(DatasetLayoutError) in
                let parts = url.deletingPathExtension().lastPathComponent.split(separator: "_", omittingEmptySubsequences: false)
                guard parts.count >= 3, !parts[0].isEmpty, let index = Int(parts[parts.count - 1]), index >= 0,
                      !parts[1..<(parts.count - 1)].joined(separator: "_").isEmpty else {
                    throw DatasetLayoutError(path: url.path, message: "matches neither layout: a top-level file must be named {label}_{speaker}_{index}.wav")
                }
                return (url: url, label: String(parts[0]), speaker: parts[1..<(parts.count - 1)].joined(separator: "_"), isTest: index < 5)
            }
            return WAVCollection(layout: .flat, parsed)
        case (true, false):
            let parsed = nested.flatMap { group in
                group.files.map { url in
                    let name = url.deletingPathExtension().lastPathComponent
                    let speaker = name.split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? name
                    return (url: url, label: group.label, speaker: speaker, isTest: Int(fnv1a64(speaker) % 100) < testPercentage)
                }
            }
            return WAVCollection(layout: .folderPerLabel, parsed)
        }
    }

    /// Indexes labels and speakers of parsed files and orders the items.
    private init(layout: Layout, _ parsed: [(url: URL, label: String, speaker: String, isTest: Bool)]) {
        let labels = Set(parsed.map(\.label))
        let numeric = labels.allSatisfy { Int($0) != nil }
        classNames = labels.sorted { numeric ? Int($0)! < Int($1)! : $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        speakerNames = Set(parsed.map(\.speaker)).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        let classIndex = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        let speakerIndex = Dictionary(uniqueKeysWithValues: speakerNames.enumerated().map { ($1, $0) })
        self.layout = layout
        items = parsed.map { Item(file: $0.url, label: classIndex[$0.label]!, speaker: speakerIndex[$0.speaker]!, isTest: $0.isTest) }
            .sorted { ($0.label, $0.file.lastPathComponent) < ($1.label, $1.file.lastPathComponent) }
    }

    private static func isWAV(_ url: URL) -> Bool { url.pathExtension.lowercased() == "wav" }

    /// The non-hidden entries of `folder`, sorted by name.
    private static func listing(_ folder: URL) throws(DatasetLayoutError) -> [(url: URL, isDirectory: Bool)] {
        let urls: [URL]
        do {
            urls = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: [.isDirectoryKey],
                                                                options: [.skipsHiddenFiles])
        } catch {
            throw DatasetLayoutError(path: folder.path, message: "not a readable folder (\(error.localizedDescription))")
        }
        return urls.map { url in (url, (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) ?? false) }
            .sorted { $0.url.lastPathComponent.unicodeScalars.lexicographicallyPrecedes($1.url.lastPathComponent.unicodeScalars) }
    }
}

/// The 64-bit FNV-1a hash of the UTF-8 bytes of `text` (stable across runs and platforms,
/// unlike `Hasher`).
func fnv1a64(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
    return hash
}
