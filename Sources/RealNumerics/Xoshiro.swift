/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64.
///
/// Every random choice in the project (weights, data, shuffles, feedback matrices) comes from
/// one of these, so a run is a pure function of its seed on every platform and every rank.
/// Its whole state is four words, which checkpoints store to resume bit for bit.
public struct Xoshiro256: RandomNumberGenerator, Sendable, Equatable, Codable {
    public var state: [UInt64]

    /// A generator for `seed`, on an independent `stream` (e.g. the epoch, or a purpose tag),
    /// so that unrelated uses of one seed never share numbers.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var mix = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03
        state = (0..<4).map { _ in Xoshiro256.splitMix64(&mix) }
    }

    /// Restores a generator from the four words of `state` (from a checkpoint).
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "xoshiro256 needs four words, not all zero")
        self.state = state
    }

    /// One SplitMix64 step: advances `x` by the golden-ratio increment and returns its mix.
    /// Also a counter-based generator on its own (`BernoulliSpikes` keys one per step).
    @inlinable
    public static func splitMix64(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotl(state[3], 45)
        return result
    }

    @inlinable
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1), with 53 random bits (platform independent, unlike `Double.random`).
    @inlinable
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Standard normal deviate (Box–Muller; one of the pair is discarded to keep the state simple).
    @inlinable
    public mutating func normal() -> Double {
        let u1 = 1.0 - uniform()   // (0, 1]: log is finite
        let u2 = uniform()
        return (-2.0 * Double.log(u1)).squareRoot() * Double.cos(2.0 * Double.pi * u2)
    }

    /// Uniform integer in 0..<n, unbiased (Lemire's method through the stdlib).
    @inlinable
    public mutating func index(below n: Int) -> Int {
        precondition(n > 0, "index(below:) needs a positive bound")
        return Int.random(in: 0..<n, using: &self)
    }

    /// A uniformly random permutation of 0..<n (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                p.swapAt(i, index(below: i + 1))
            }
        }
        return p
    }
}
