/// A seeded pseudo-random generator (xoshiro256**), so that a seed reproduces a synthetic SNDS.
///
/// Swift's `SystemRandomNumberGenerator` cannot be seeded, and the standard library's range
/// sampling may change between Swift versions; generation must give the same tables for the same
/// seed on any machine, so the generator and the few distributions used are defined here.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// An independent stream for one labelled purpose, so that adding draws to one stage of
    /// generation does not shift every later stage.
    public static func stream(seed: UInt64, purpose: String) -> SeededGenerator {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a of the label, mixed with the seed
        for byte in purpose.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        return SeededGenerator(seed: seed ^ h)
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform integer in 0..<n (Lemire's multiply-and-reject, unbiased).
    public mutating func uniform(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Uniform integer in a closed range.
    public mutating func uniform(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + uniform(range.count)
    }

    /// Uniform double in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// One key drawn in proportion to its weight (keys in the given order, one draw): how cohort
    /// generators pick the format a value is written in.
    public mutating func pick(weighted options: [(key: String, value: Double)]) -> String {
        var draw = unit() * options.map(\.value).reduce(0, +)
        for o in options {
            draw -= o.value
            if draw < 0 { return o.key }
        }
        return options.last!.key
    }

    /// Normal deviate (Box–Muller).
    public mutating func normal(mean: Double, sd: Double) -> Double {
        var u = unit()
        while u <= .ulpOfOne { u = unit() }
        let v = unit()
        return mean + sd * (-2 * _log(u)).squareRoot() * _cos(2 * .pi * v)
    }

    /// Gamma deviate of the given shape and scale 1 (Marsaglia and Tsang's method; a shape below 1
    /// is drawn at shape + 1 and scaled by U^(1/shape)).
    public mutating func gamma(shape: Double) -> Double {
        precondition(shape > 0, "gamma shape must be positive")
        if shape < 1 {
            var u = unit()
            while u <= .ulpOfOne { u = unit() }
            return gamma(shape: shape + 1) * _exp(_log(u) / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal(mean: 0, sd: 1)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            var u = unit()
            while u <= .ulpOfOne { u = unit() }
            if _log(u) < 0.5 * x * x + d - d * v + d * _log(v) { return d * v }
        }
    }

    /// Poisson deviate (Knuth for small means, normal approximation above 30).
    public mutating func poisson(_ mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 30 { return max(0, Int(normal(mean: mean, sd: mean.squareRoot()).rounded())) }
        let limit = _exp(-mean)
        var k = 0
        var p = unit()
        while p > limit {
            k += 1
            p *= unit()
        }
        return k
    }

    /// One element of a non-empty collection.
    public mutating func pick<C: RandomAccessCollection>(_ items: C) -> C.Element where C.Index == Int {
        items[items.startIndex + uniform(items.count)]
    }

    /// Shuffles `items` in place (Fisher–Yates with ``uniform(_:)``), rather than with the standard
    /// library's `shuffle(using:)`, whose algorithm is not promised to stay the same across versions.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, uniform(i + 1))
        }
    }
}

// Deterministic math without Foundation (Glibc's libm is deterministic for these on one platform).
#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
@inline(__always) func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#else
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
@inline(__always) func _exp(_ x: Double) -> Double { Darwin.exp(x) }
#endif
