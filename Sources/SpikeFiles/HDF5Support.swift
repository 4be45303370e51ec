import CHDF5
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One open HDF5 identifier, owned: closed exactly once, by `close()` where the caller needs
/// to know whether closing worked (a file being written flushes on close), otherwise when the
/// handle is released. Pass the handle itself (not its `id`) to functions that use it, so it
/// stays alive for the whole call. Made and closed only inside `HDF5Library.withExclusiveAccess`
/// (checked: a handle outliving the lock would be closed by `deinit` while another thread uses
/// the library); the handle is not `Sendable`, so it cannot leave that closure as its result.
package final class H5Handle {
    package enum Kind: Sendable { case file, group, dataset, datatype, dataspace, propertyList }

    package let id: hid_t
    private let kind: Kind
    private var isOpen = true

    /// Takes ownership of `id`; nil when `id` is negative, i.e. the HDF5 call that made it failed.
    package init?(_ id: hid_t, _ kind: Kind) {
        guard id >= 0 else { return nil }
        HDF5Library.requireExclusiveAccess()
        self.id = id
        self.kind = kind
    }

    /// Closes the identifier now; false if HDF5 reported an error.
    package func close() -> Bool {
        precondition(isOpen, "HDF5 handle closed twice")
        HDF5Library.requireExclusiveAccess()
        isOpen = false
        let status = switch kind {
        case .file: H5Fclose(id)
        case .group: H5Gclose(id)
        case .dataset: H5Dclose(id)
        case .datatype: H5Tclose(id)
        case .dataspace: H5Sclose(id)
        case .propertyList: H5Pclose(id)
        }
        return status >= 0
    }

    deinit {
        if isOpen { _ = close() }
    }
}

/// A Swift element type and the HDF5 memory type with the same layout.
package protocol H5NativeType {
    static var h5NativeType: hid_t { get }
}

extension Float: H5NativeType {
    package static var h5NativeType: hid_t { chdf5_t_native_float() }
}

extension UInt16: H5NativeType {
    package static var h5NativeType: hid_t { chdf5_t_native_uint16() }
}

extension Int64: H5NativeType {
    package static var h5NativeType: hid_t { chdf5_t_native_int64() }
}

extension UInt64: H5NativeType {
    package static var h5NativeType: hid_t { chdf5_t_native_uint64() }
}

extension Double: H5NativeType {
    package static var h5NativeType: hid_t { chdf5_t_native_double() }
}

/// Serialises all of this module's use of the HDF5 library, so correctness does not depend
/// on the library having been built thread-safe.
private let libraryLock = Mutex(())
/// The thread inside `libraryLock` (its `pthread_self`), or 0: lets handles check they are
/// made and closed under the lock, and turns a nested `withExclusiveAccess` (a deadlock) into
/// a trap.
private let libraryOwner = Atomic<UInt>(0)

private func currentThread() -> UInt {
    #if canImport(Glibc)
    UInt(pthread_self())
    #else
    UInt(bitPattern: pthread_self())
    #endif
}

package enum HDF5Library {
    /// Runs `body` with exclusive use of the HDF5 library and HDF5's own error printing off on
    /// this thread (errors surface as this module's messages). Every use of the C API from
    /// this module and its tests goes through here; not reentrant.
    package static func withExclusiveAccess<R: Sendable, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        let thread = currentThread()
        precondition(libraryOwner.load(ordering: .relaxed) != thread, "HDF5Library.withExclusiveAccess is not reentrant")
        return try libraryLock.withLock { (_: inout Void) throws(E) -> R in
            libraryOwner.store(thread, ordering: .relaxed)
            defer { libraryOwner.store(0, ordering: .relaxed) }
            chdf5_silence_error_printing()
            return try body()
        }
    }

    /// Traps unless the calling thread is inside `withExclusiveAccess`.
    static func requireExclusiveAccess() {
        precondition(libraryOwner.load(ordering: .relaxed) == currentThread(),
                     "HDF5 used outside HDF5Library.withExclusiveAccess")
    }

    /// The access properties of every file this module creates or opens:
    ///
    /// - no file locking. HDF5 1.10 `flock`s every file it opens (exclusive while writing) and
    ///   keeps the lock until the file is closed; the lock belongs to the open file description,
    ///   which a child process started meanwhile by any thread (`posix_spawn`, `Process`, `fork`)
    ///   inherits with the descriptor. The lock then outlives our close and rename, and every
    ///   `H5Fopen` of the renamed file fails ("unable to lock the file") while that child lives.
    ///   Locking buys nothing here: files are written under a private temporary name and renamed
    ///   into place complete (`AtomicFile`), so no reader ever sees a file being written.
    /// - the POSIX (sec2) driver, whose descriptor `createFile`/`openForReading` mark
    ///   close-on-exec, so children do not inherit files at all (beyond the instant between
    ///   HDF5's `open` and that mark, harmless without locks).
    /// - strong close: closing the file closes every object still open in it, so a successful
    ///   `close()` of a file handle means the file is flushed and its descriptor closed, before
    ///   the fsync and rename that follow (the default, weak close, would silently keep it open
    ///   while any dataset or group id lived).
    private static func fileAccessProperties() -> H5Handle? {
        guard let properties = H5Handle(H5Pcreate(chdf5_p_file_access()), .propertyList),
              H5Pset_fapl_sec2(properties.id) >= 0,
              chdf5_disable_file_locking(properties.id) >= 0,
              H5Pset_fclose_degree(properties.id, H5F_CLOSE_STRONG) >= 0
        else { return nil }
        return properties
    }

    /// Creates the HDF5 file `path` for writing (inside `withExclusiveAccess`), failing if
    /// anything is there already. Nil if HDF5 fails.
    package static func createFile(_ path: String) -> H5Handle? {
        guard let properties = fileAccessProperties(),
              let file = H5Handle(H5Fcreate(path, chdf5_f_acc_excl(), chdf5_p_default(), properties.id), .file)
        else { return nil }
        _ = chdf5_set_close_on_exec(file.id)  // best effort; see `fileAccessProperties`
        return file
    }

    /// Opens `path` read-only (inside `withExclusiveAccess`), telling apart a missing file, a
    /// file that is not HDF5 and an HDF5 file that cannot be opened (truncated or corrupt).
    package static func openForReading(_ path: String) throws(SpikeFileError) -> H5Handle {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let code = errno
            throw code == ENOENT
                ? SpikeFileError(.fileNotFound, file: path, message: "no such file")
                : SpikeFileError(.unreadable, file: path, message: "cannot access the file: \(String(cString: strerror(code)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw SpikeFileError(.notHDF5, file: path, message: "not a regular file, so not an HDF5 file")
        }
        switch H5Fis_hdf5(path) {
        case 0:
            throw SpikeFileError(.notHDF5, file: path, message: "not an HDF5 file")
        case ..<0:
            throw SpikeFileError(.unreadable, file: path, message: "cannot be read to check for HDF5")
        default:
            break
        }
        guard let properties = fileAccessProperties() else {
            throw SpikeFileError(.unreadable, file: path, message: "cannot build the file access properties")
        }
        guard let file = H5Handle(H5Fopen(path, chdf5_f_acc_rdonly(), properties.id), .file) else {
            throw SpikeFileError(.unreadable, file: path, message: "HDF5 cannot open the file: truncated or corrupt")
        }
        _ = chdf5_set_close_on_exec(file.id)  // best effort; see `fileAccessProperties`
        return file
    }

    /// A new IEEE 754 half-precision little-endian type (1 sign, 5 exponent, 10 mantissa bits,
    /// bias 15), built the way h5py builds NumPy's float16 so h5py reads it back as `float16`;
    /// HDF5 converts to and from `float` on read and write. Nil if HDF5 fails.
    package static func float16Type() -> H5Handle? {
        guard let half = H5Handle(H5Tcopy(chdf5_t_ieee_f32le()), .datatype),
              H5Tset_fields(half.id, 15, 10, 5, 0, 10) >= 0,
              H5Tset_size(half.id, 2) >= 0,
              H5Tset_ebias(half.id, 15) >= 0
        else { return nil }
        return half
    }

    /// How many samples' rows one HDF5 read or write of a variable-length dataset handles:
    /// bounds the temporary buffers, whatever the file's size.
    package static let samplesPerBlock = 1024

    /// A new copy of a predefined type (so every type in use is an owned handle). Nil if HDF5 fails.
    package static func copy(_ predefined: hid_t) -> H5Handle? {
        H5Handle(H5Tcopy(predefined), .datatype)
    }

    /// A new variable-length type whose elements are `base` (one row per sample). Nil if HDF5 fails.
    package static func variableLength(of base: H5Handle) -> H5Handle? {
        H5Handle(H5Tvlen_create(base.id), .datatype)
    }

    /// A new one-dimensional dataspace of `count` elements. Nil if HDF5 fails.
    package static func vector(count: Int) -> H5Handle? {
        var extent = hsize_t(count)
        return H5Handle(H5Screate_simple(1, &extent, nil), .dataspace)
    }

    /// Selects the elements `points` of the one-dimensional dataspace `space`, in that order
    /// (the order HDF5 then reads them into memory); false if HDF5 fails.
    package static func select(points: [Int], in space: H5Handle) -> Bool {
        var coordinates = points.map { hsize_t($0) }
        return H5Sselect_elements(space.id, H5S_SELECT_SET, points.count, &coordinates) >= 0
    }

    /// Selects elements `range` of the one-dimensional dataspace `space`; false if HDF5 fails.
    package static func select(_ range: Range<Int>, in space: H5Handle) -> Bool {
        var start = hsize_t(range.lowerBound), count = hsize_t(range.count)
        return H5Sselect_hyperslab(space.id, H5S_SELECT_SET, &start, nil, &count, nil) >= 0
    }
}

extension H5Handle {
    /// The `count` strings of this string dataset, fixed-length (any padding; cut at the first
    /// NUL) or variable-length, decoded as UTF-8; nil if HDF5 cannot read them (callers name
    /// the file and field in their error). Call under `HDF5Library.withExclusiveAccess`.
    package func readStrings(count: Int) -> [String]? {
        guard let fileType = H5Handle(H5Dget_type(id), .datatype),
              let memoryType = HDF5Library.copy(chdf5_t_c_s1()),
              H5Tset_cset(memoryType.id, H5Tget_cset(fileType.id)) >= 0  // HDF5 does not convert between character sets
        else { return nil }
        if H5Tis_variable_str(fileType.id) > 0 {
            guard H5Tset_size(memoryType.id, chdf5_t_variable()) >= 0,
                  let space = H5Handle(H5Dget_space(id), .dataspace)
            else { return nil }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            defer { H5Dvlen_reclaim(memoryType.id, space.id, chdf5_p_default(), &pointers) }
            guard H5Dread(id, memoryType.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), &pointers) >= 0 else { return nil }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let width = H5Tget_size(fileType.id)
        guard width > 0, H5Tset_size(memoryType.id, width) >= 0, H5Tset_strpad(memoryType.id, H5T_STR_NULLPAD) >= 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: width * count)
        guard H5Dread(id, memoryType.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), &bytes) >= 0 else { return nil }
        return (0..<count).map { index in
            String(decoding: bytes[index * width..<(index + 1) * width].prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
