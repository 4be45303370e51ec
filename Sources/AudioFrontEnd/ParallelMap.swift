import Dispatch

/// [body(0), …, body(count − 1)], evaluated on all cores (`DispatchQueue.concurrentPerform`).
/// The result order is the index order whatever the scheduling; if any call throws, every
/// call still runs and the error of the lowest failing index is thrown.
func parallelMap<T: Sendable, E: Error>(_ count: Int, _ body: @Sendable (Int) throws(E) -> T) throws(E) -> [T] {
    let slots = Slots<Result<T, E>>(count)
    DispatchQueue.concurrentPerform(iterations: count) { i in
        slots.store(Result { () throws(E) -> T in try body(i) }, at: i)
    }
    return try slots.values().map { r throws(E) in try r.get() }
}

/// Write-once result slots shared by the workers of `parallelMap`; each index is written by
/// exactly one worker before `values()` is read, so no lock is needed.
private final class Slots<T>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<T?>

    init(_ count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }

    func store(_ value: T, at index: Int) { buffer[index] = value }

    func values() -> [T] { buffer.map { $0! } }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }
}
