#if canImport(Glibc)
import Glibc
#endif

/// The one protocol by which this package replaces files and links so that a reader, or a
/// run killed at any instant, sees either the old content or all of the new one:
///
/// 1. the new content goes to a temporary file next to the target (same directory, so the
///    rename cannot cross file systems), named `.NAME.<random hex>.tmp`;
/// 2. that file is written completely, closed and fsynced;
/// 3. it is renamed over the target (atomic on POSIX file systems);
/// 4. the directory is fsynced, so the rename itself survives a power loss (best effort:
///    the file is complete and in place either way, and some file systems refuse).
///
/// On any failure before the rename the temporary file is removed and the target is left as
/// it was. A process killed between 1 and 3 leaves its temporary file behind; such leftovers
/// carry the `.tmp` suffix and a leading dot, so listings of real files never match them
/// (see `isTemporaryName`).
package enum AtomicFile {
    /// A fresh temporary path in the directory of `path`, for `path`'s new content.
    package static func temporaryPath(for path: String) -> String {
        let (directory, name) = split(path)
        return "\(directory).\(name).\(String(UInt64.random(in: .min ... .max), radix: 16)).tmp"
    }

    /// Whether `name` (a directory entry) is a temporary file of this protocol, and, with
    /// `target`, one made for a target named `target`.
    package static func isTemporaryName(_ name: String, for target: String? = nil) -> Bool {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return false }
        guard let target else { return true }
        return name.hasPrefix(".\(target).")
    }

    /// Replaces `path` by the file `create` makes at the temporary path it is given: `create`
    /// must create that file, write it completely and close it. Failures of this protocol
    /// itself (fsync, rename) are thrown as `failure(message)`.
    package static func replace<E: Error>(_ path: String, failure: (String) -> E,
                                          create: (_ temporaryPath: String) throws(E) -> Void) throws(E) {
        let temporary = temporaryPath(for: path)
        do throws(E) {
            try create(temporary)
            guard syncToDisk(temporary) else {
                throw failure("cannot fsync the temporary file \(temporary): \(lastSystemError())")
            }
            guard rename(temporary, path) == 0 else {
                throw failure("cannot rename the temporary file \(temporary) into place: \(lastSystemError())")
            }
        } catch {
            unlink(temporary)
            throw error
        }
        syncDirectory(of: path)
    }

    /// Points the symbolic link `link` at `target` (stored as given, so a relative target is
    /// relative to the link's directory), replacing whatever `link` was: a temporary link,
    /// renamed over `link`. Returns an error message on failure, nil on success.
    package static func replaceSymbolicLink(_ link: String, target: String) -> String? {
        let temporary = temporaryPath(for: link)
        guard symlink(target, temporary) == 0 else {
            return "cannot create the temporary link \(temporary): \(lastSystemError())"
        }
        guard rename(temporary, link) == 0 else {
            let message = "cannot rename the temporary link \(temporary) to \(link): \(lastSystemError())"
            unlink(temporary)
            return message
        }
        syncDirectory(of: link)
        return nil
    }

    /// Writes `path`'s (a file's or directory's) data to the device; false if it cannot.
    package static func syncToDisk(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return fsync(descriptor) == 0
    }

    /// Best-effort fsync of the directory holding `path`.
    private static func syncDirectory(of path: String) {
        let directory = split(path).directory
        _ = syncToDisk(directory.isEmpty ? "." : directory)
    }

    /// `path` as its directory (with the trailing slash, or empty) and its last component.
    private static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }
}

/// The message of the current `errno`.
func lastSystemError() -> String {
    String(cString: strerror(errno))
}
