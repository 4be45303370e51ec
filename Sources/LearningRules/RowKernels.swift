import RealNumerics

/// Element-wise kernels over rows of contiguous floats: the only loops of the e-prop hot path
/// over the postsynaptic index j. Each is a unit-stride loop the compiler vectorises to
/// 8-wide `vfmadd`/`vaddps` (release builds target x86-64-v3); `addingProduct` keeps the
/// fused multiply-add explicit. Rows passed together never overlap.
@usableFromInline
enum Row {
    /// y = 0.
    @inlinable static func clear<F: RealScalar>(_ y: UnsafeMutablePointer<F>, _ n: Int) {
        y.update(repeating: 0, count: n)
    }
    /// y = x.
    @inlinable static func copy<F: RealScalar>(_ y: UnsafeMutablePointer<F>, _ x: UnsafePointer<F>, _ n: Int) {
        y.update(from: x, count: n)
    }
    /// y += x.
    @inlinable static func add<F: RealScalar>(_ y: UnsafeMutablePointer<F>, _ x: UnsafePointer<F>, _ n: Int) {
        for j in 0..<n { y[j] += x[j] }
    }
    /// y += s·x.
    @inlinable static func add<F: RealScalar>(_ y: UnsafeMutablePointer<F>, _ s: F, times x: UnsafePointer<F>, _ n: Int) {
        for j in 0..<n { y[j] = y[j].addingProduct(s, x[j]) }
    }
    /// y += a ⊙ x.
    @inlinable static func add<F: RealScalar>(_ y: UnsafeMutablePointer<F>, _ a: UnsafePointer<F>, times x: UnsafePointer<F>, _ n: Int) {
        for j in 0..<n { y[j] = y[j].addingProduct(a[j], x[j]) }
    }
    /// y = a ⊙ x.
    @inlinable static func set<F: RealScalar>(_ y: UnsafeMutablePointer<F>, _ a: UnsafePointer<F>, times x: UnsafePointer<F>, _ n: Int) {
        for j in 0..<n { y[j] = a[j] * x[j] }
    }
    /// y = s·x.
    @inlinable static func set<F: RealScalar>(_ y: UnsafeMutablePointer<F>, _ s: F, times x: UnsafePointer<F>, _ n: Int) {
        for j in 0..<n { y[j] = s * x[j] }
    }
    /// y = s·y.
    @inlinable static func scale<F: RealScalar>(_ y: UnsafeMutablePointer<F>, by s: F, _ n: Int) {
        for j in 0..<n { y[j] *= s }
    }
    /// y = x + s·y (a leaky accumulator y ← s y + x).
    @inlinable static func leak<F: RealScalar>(_ y: UnsafeMutablePointer<F>, _ s: F, plus x: UnsafePointer<F>, _ n: Int) {
        for j in 0..<n { y[j] = x[j].addingProduct(s, y[j]) }
    }
    /// y = c + s·y.
    @inlinable static func leak<F: RealScalar>(_ y: UnsafeMutablePointer<F>, _ s: F, plus c: F, _ n: Int) {
        for j in 0..<n { y[j] = c.addingProduct(s, y[j]) }
    }
}

extension Row {
    /// Register-blocked kernels: 32 columns (four 8-wide vectors) are held in registers while
    /// a sum runs over several rows, so the output is loaded and stored once per chunk
    /// rather than once per term. Columns past the last full chunk run scalar.
    @inlinable @inline(__always)
    static func vector<F: RealScalar>(_ p: UnsafePointer<F>, _ offset: Int) -> SIMD8<F> {
        UnsafeRawPointer(p + offset).loadUnaligned(as: SIMD8<F>.self)
    }
    @inlinable @inline(__always)
    static func store<F: RealScalar>(_ v: SIMD8<F>, _ p: UnsafeMutablePointer<F>, _ offset: Int) {
        UnsafeMutableRawPointer(p + offset).storeBytes(of: v, as: SIMD8<F>.self)
    }

    /// y = Σ_c w_c · x_c, with row c of x at `x + c·stride` (a transposed matrix-vector
    /// product: C rows of n).
    @inlinable
    static func combine<F: RealScalar>(_ y: UnsafeMutablePointer<F>, rows x: UnsafePointer<F>, stride: Int, weights w: UnsafePointer<F>,
                                       count C: Int, _ n: Int) {
        var j = 0
        while j + 32 <= n {
            var a0 = SIMD8<F>(), a1 = SIMD8<F>(), a2 = SIMD8<F>(), a3 = SIMD8<F>()
            for c in 0..<C {
                let row = x + c * stride + j, s = SIMD8<F>(repeating: w[c])
                a0 = a0.addingProduct(s, vector(row, 0))
                a1 = a1.addingProduct(s, vector(row, 8))
                a2 = a2.addingProduct(s, vector(row, 16))
                a3 = a3.addingProduct(s, vector(row, 24))
            }
            store(a0, y, j); store(a1, y, j + 8); store(a2, y, j + 16); store(a3, y, j + 24)
            j += 32
        }
        for j in j..<n {
            var sum: F = 0
            for c in 0..<C { sum = sum.addingProduct(w[c], x[c * stride + j]) }
            y[j] = sum
        }
    }

    /// y += Σ_i x_{s_i}, with row s of x at `x + s·stride`, for the row numbers
    /// `steps[range]` (the events of one presynaptic entry).
    @inlinable
    static func add<F: RealScalar>(_ y: UnsafeMutablePointer<F>, rows x: UnsafePointer<F>, stride: Int, selected steps: UnsafePointer<Int32>,
                                   _ range: Range<Int>, _ n: Int) {
        var j = 0
        while j + 32 <= n {
            var a0 = vector(y, j), a1 = vector(y, j + 8), a2 = vector(y, j + 16), a3 = vector(y, j + 24)
            for i in range {
                let row = x + Int(steps[i]) * stride + j
                a0 += vector(row, 0)
                a1 += vector(row, 8)
                a2 += vector(row, 16)
                a3 += vector(row, 24)
            }
            store(a0, y, j); store(a1, y, j + 8); store(a2, y, j + 16); store(a3, y, j + 24)
            j += 32
        }
        for j in j..<n {
            for i in range { y[j] += x[Int(steps[i]) * stride + j] }
        }
    }

    /// Writes k lanes of n floats (lane l at `x + l·n`) in the layout of one eligibility row:
    /// eight neurons of lane 0, the same eight of lane 1, …, then the next eight; the last
    /// n mod 8 neurons lane after lane. A pass over the row then reads one sequential stream
    /// (two interleaved 1 KB streams halve the hardware prefetcher's bandwidth).
    @inlinable
    static func interleave<F: RealScalar>(_ x: UnsafePointer<F>, lanes k: Int, width n: Int, into y: UnsafeMutablePointer<F>) {
        let full = n - n % 8
        for j in stride(from: 0, to: full, by: 8) {
            for l in 0..<k { store(vector(x, l * n + j), y, j * k + l * 8) }
        }
        for l in 0..<k { (y + full * k + l * (n - full)).update(from: x + l * n + full, count: n - full) }
    }
}
