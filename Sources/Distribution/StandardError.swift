#if canImport(Glibc)
import Glibc
#endif

/// Writes `text` to file descriptor 2 unbuffered, so it appears even if the process is
/// killed right after. (Glibc's `stderr` is a mutable C global, which Swift 6 rejects.)
func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            // Nothing sensible is left to do if stderr itself fails.
            if written <= 0 { return }
            offset += written
        }
    }
}
