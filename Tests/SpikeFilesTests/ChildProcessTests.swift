import Foundation
import SpikeData
import SpikeFiles
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Other code in the process (the test runner runs suites in parallel; the data command runs
/// espeak-ng; distributed runs start mpirun) starts child processes at any moment, and a child
/// inherits every descriptor not marked close-on-exec. HDF5 1.10 keeps a `flock` on every file
/// it opens (exclusive while writing), and a lock belongs to the open file description, which
/// the child then shares: once the writer had closed and renamed the file, `H5Fopen` of it still
/// failed ("unable to lock the file", reported as truncated or corrupt) for as long as the
/// child lived. These tests start such a child while a file is open, deterministically.
@Suite("Files open while a child process starts")
struct ChildProcessTests {
    /// A child started the way `posix_spawn` without file actions starts one, so it inherits
    /// every descriptor not marked close-on-exec; it sleeps until `stop()`. Started with an
    /// empty environment, so concurrent changes to this process's environment cannot upset it.
    struct Sleeper {
        let pid: pid_t

        init() throws {
            var pid = pid_t()
            let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("60"), nil]
            defer { argv.forEach { free($0) } }
            let environment: [UnsafeMutablePointer<CChar>?] = [nil]
            let status = posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environment)
            try #require(status == 0, "cannot start /bin/sleep: \(String(cString: strerror(status)))")
            self.pid = pid
        }

        /// The files under `directory` that the child holds open.
        func openFiles(under directory: String) -> [String] {
            let descriptors = "/proc/\(pid)/fd"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: descriptors)) ?? []
            return names.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: descriptors + "/" + $0) }
                .filter { $0.hasPrefix(directory) }
        }

        func stop() {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }

    @Test("a named-array file reads back while a child started during its write still runs")
    func arrayStoreWrite() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("a.h5")
            var sleeper: Sleeper?
            defer { sleeper?.stop() }
            try HDF5ArrayStore.write(to: path) { file in
                try file.write("x", floats: [Float](arrayLiteral: 1, 2, 3), dimensions: [3])
                try file.flush()
                let child = try Sleeper()
                sleeper = child
                #expect(child.openFiles(under: directory.path) == [], "the temporary file's descriptor leaked into the child")
            }
            let values = try HDF5ArrayStore.read(from: path) { try $0.readFloats("x", as: Float.self).values }
            #expect(values == [1, 2, 3])
            // Replacing the file and reading it again, the child still alive.
            try HDF5ArrayStore.write(to: path) { file in try file.write("x", floats: [Float](arrayLiteral: 4), dimensions: [1]) }
            #expect(try HDF5ArrayStore.read(from: path) { try $0.readFloats("x", as: Float.self).values } == [4])
        }
    }

    @Test("a file read while a child starts does not leak into the child, and reads and rewrites meanwhile work")
    func arrayStoreRead() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("a.h5")
            try ArrayStoreTests.writeSample(to: path)
            var sleeper: Sleeper?
            defer { sleeper?.stop() }
            try HDF5ArrayStore.read(from: path) { file in
                let child = try Sleeper()
                sleeper = child
                #expect(child.openFiles(under: directory.path) == [], "the file's descriptor leaked into the child")
                #expect(try file.readInt64("count") == -7)
            }
            #expect(try HDF5ArrayStore.read(from: path) { try $0.readInt64("count") } == -7)
            try ArrayStoreTests.writeSample(to: path)
            #expect(try HDF5ArrayStore.read(from: path) { try $0.readUInt64("big") } == .max)
        }
    }

    @Test("SHD files written and read from many tasks while children start and stop all read back")
    func concurrentSpikeFiles() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Children started continuously until cancelled, each living across other tasks' writes.
                var children: [Sleeper] = []
                defer { children.forEach { $0.stop() } }
                while !Task.isCancelled {
                    children.append(try Sleeper())
                    if children.count > 4 { children.removeFirst().stop() }
                    try? await Task.sleep(for: .milliseconds(2))
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { writers in
                for task in 0..<4 {
                    writers.addTask {
                        try withTemporaryDirectory { directory in
                            for round in 0..<40 {
                                var dataset = RoundTripTests.dataset
                                dataset.labels[0] = (task + round) % dataset.classNames.count
                                let path = directory.file("\(round % 3).h5")
                                try SHDFile.write(dataset, to: path)
                                #expect(try SHDFile.read(from: path) == dataset)
                            }
                        }
                    }
                }
                try await writers.waitForAll()
            }
            group.cancelAll()
            try await group.waitForAll()
        }
    }
}
