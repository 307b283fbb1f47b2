// Hashing throughput: appariement's parallel keyed argon2id against a bare libargon2 loop with the
// same parameters, measured in the same run. Goal (issue 2): ours ≥ 0.9 × cores × bare throughput.
//
//     swift package --allow-writing-to-package-directory benchmark --target HashingBenchmarks
//
// The third benchmark alternates the two arms several times and reports the ratio directly
// ("efficiency ‰" = parallel throughput / (cores × one-thread bare throughput), in per mille),
// so the figure does not depend on comparing two separately measured tables.
import Benchmark
import CArgon2
import Dispatch
import Foundation
import Pseudonymisation
import SNDSModel

let cores = ProcessInfo.processInfo.activeProcessorCount
let parameters = PseudonymParameters(salt: PseudonymParameters.salt(forSeed: 1))
let key = SecretKey.random()
let pseudonymiser = try! Pseudonymiser(key: key, parameters: parameters)

/// Realistic BEN_NIR_PSA inputs (22 bytes: NIR13 ‖ YYYYMMDD ‖ sex).
func inputs(_ count: Int) -> [PseudonymInput] {
    (0..<count).map { i in
        let nir = NIR(
            sexDigit: 1 + i % 2, birthYear: 1940 + i % 70, birthMonth: 1 + i % 12,
            birthPlace: "75056", order: 1 + i % 999)
        return .beneficiary(
            ouvreur: nir, birthDate: CalendarDate(year: 1940 + i % 80, month: 1 + i % 12, day: 1 + i % 28)!,
            sex: i % 2 == 0 ? .male : .female)
    }
}

/// The bare arm: libargon2's `argon2_ctx` in a plain loop on one thread, same t, m, lanes, output
/// length, salt and a 32-byte secret — nothing of appariement's code.
func bareLoop(_ batch: [PseudonymInput]) {
    var out = [UInt8](repeating: 0, count: parameters.outputBytes)
    var secret = [UInt8](repeating: 0x5A, count: 32)
    var salt = parameters.salt
    for input in batch {
        var password = input.bytes
        let code = password.withUnsafeMutableBufferPointer { pwd in
            salt.withUnsafeMutableBufferPointer { s in
                secret.withUnsafeMutableBufferPointer { k in
                    out.withUnsafeMutableBufferPointer { o in
                        var context = argon2_context(
                            out: o.baseAddress, outlen: UInt32(o.count), pwd: pwd.baseAddress, pwdlen: UInt32(pwd.count),
                            salt: s.baseAddress, saltlen: UInt32(s.count), secret: k.baseAddress, secretlen: 32,
                            ad: nil, adlen: 0, t_cost: UInt32(parameters.iterations), m_cost: UInt32(parameters.memoryKiB),
                            lanes: UInt32(parameters.lanes), threads: 1, version: UInt32(ARGON2_VERSION_13.rawValue),
                            allocate_cbk: nil, free_cbk: nil, flags: 0)
                        return argon2_ctx(&context, Argon2_id)
                    }
                }
            }
        }
        precondition(code == ARGON2_OK.rawValue)
        blackHole(out)
    }
}

let perThread = 200
let bareBatch = inputs(perThread)
let parallelBatch = inputs(perThread * cores)
let efficiency = BenchmarkMetric.custom(
    "efficiency ‰ (ours / (cores × bare))", polarity: .prefersLarger,
    useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput], warmupIterations: 1,
        maxDuration: .seconds(10), maxIterations: 20)

    Benchmark("argon2id bare libargon2 loop, 1 thread (\(perThread) hashes)") { benchmark in
        bareLoop(bareBatch)
    }

    Benchmark("argon2id Pseudonymiser, \(cores) threads (\(perThread * cores) hashes)") { benchmark in
        blackHole(try pseudonymiser.pseudonyms(of: parallelBatch, threads: cores))
    }

    Benchmark(
        "argon2id parallel efficiency, alternating arms",
        configuration: .init(metrics: [efficiency], warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 9)
    ) { benchmark in
        let clock = ContinuousClock()
        let bare = clock.measure { bareLoop(bareBatch) }
        let ours = clock.measure { blackHole(try! pseudonymiser.pseudonyms(of: parallelBatch, threads: cores)) }
        // Hashes per second: ours = perThread·cores / ours, bare = perThread / bare.
        let ratio = (Double(perThread * cores) / ours.asSeconds) / (Double(cores) * Double(perThread) / bare.asSeconds)
        benchmark.measurement(efficiency, Int((ratio * 1000).rounded()))
    }
}

extension Duration {
    var asSeconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
