#if canImport(Glibc)
import Glibc
#endif

/// This process's memory use as the Linux kernel accounts it (`/proc/self/status`).
/// Each rank measures its own; the trainer gathers them on rank 0.
public enum ResourceUsage {
    /// Peak resident set size since the process started (`VmHWM`), in bytes.
    /// Returns 0 only when `/proc/self/status` is unavailable or lacks the field in its
    /// "<n> kB" form (not Linux, or /proc not mounted); report 0 as "unknown", not as no
    /// memory.
    public static func peakResidentBytes() -> Int {
        statusFieldBytes("VmHWM")
    }

    /// Current resident set size (`VmRSS`), in bytes; 0 under the same conditions as
    /// `peakResidentBytes()`.
    public static func currentResidentBytes() -> Int {
        statusFieldBytes("VmRSS")
    }

    /// Parses a line such as "VmHWM:\t  123456 kB" (the kernel always reports these in kB).
    private static func statusFieldBytes(_ field: String) -> Int {
        guard let status = readFile("/proc/self/status") else { return 0 }
        let prefix = field + ":"
        for line in status.split(separator: "\n") where line.hasPrefix(prefix) {
            let words = line.dropFirst(prefix.count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count == 2, words[1] == "kB", let kibibytes = Int(words[0]) else { return 0 }
            return kibibytes * 1024
        }
        return 0
    }

    /// The whole content of a small file, or nil if it cannot be opened or read.
    /// (/proc files report size 0, so read until end of file instead of by length.)
    private static func readFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var content: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { return nil }
            if count == 0 { break }
            content.append(contentsOf: chunk[..<count])
        }
        return String(decoding: content, as: UTF8.self)
    }
}
