// swift-tools-version: 6.1
// appariement — record linkage to a synthetic French national health data system (SNDS).
// Targets depend one way, down this list: system libraries → SNDSModel / YAMLInput → SNDSStore /
// Pseudonymisation → Synthesis → the `appariement` command. See docs/architecture.md.
import PackageDescription

let package = Package(
    name: "appariement",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "appariement", targets: ["appariement"]),
        // For the fuzzers in Fuzz/ (a package of their own, built with --sanitize=fuzzer): scripts/fuzz.
        .library(name: "SNDSModel", targets: ["SNDSModel"]),
        .library(name: "Linkage", targets: ["Linkage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // System libraries, found through pkg-config; scripts/setup installs their Debian packages.
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // System calls Swift does not expose (exclusive rename, not-dumpable process): a few lines of C.
        .target(name: "CPlatform"),
        // File and process safety: outputs staged and committed whole, interruptions, input files
        // measured and refused before reading, the memory budget, one-line messages, the process's
        // own hardening, exit statuses.
        .target(name: "Hardening", dependencies: ["CPlatform"]),
        // Domain values (NIR, dates, départements), the shipped SNDS schemas and nomenclatures.
        .target(name: "SNDSModel", dependencies: ["Hardening"]),
        // Progress and messages on stderr.
        .target(name: "Terminal"),
        // The guards every YAML file a user gives goes through (alias bombs, base-60 numbers, libyaml's
        // reasons on one line), shared by the rules files (Linkage) and the noise profiles (Synthesis).
        .target(name: "YAMLInput", dependencies: ["Hardening", .product(name: "Yams", package: "Yams")]),
        // SQLite: tables made from the schemas, bulk loading, digests.
        .target(
            name: "SNDSStore",
            dependencies: [
                "SNDSModel", "Hardening", "CLibCrypto",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        // Keyed argon2id pseudonyms, key files, sealed (AES-256-GCM) files.
        .target(name: "Pseudonymisation", dependencies: ["SNDSModel", "Hardening", "CArgon2", "CLibCrypto"]),
        // The synthetic population, its identity structure and its SNDS tables.
        .target(
            name: "Synthesis",
            dependencies: [
                "SNDSModel", "Hardening", "SNDSStore", "Pseudonymisation", "Terminal", "CLibCrypto", "YAMLInput",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Yams", package: "Yams"),
            ]),
        // Linking cohorts to a synthetic SNDS: cohort reading and validation, direct linkage,
        // extraction by NS, evaluation against a truth.
        .target(
            name: "Linkage",
            dependencies: [
                "SNDSModel", "Hardening", "SNDSStore", "Pseudonymisation", "Terminal", "YAMLInput",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ]),
        // Linkage reports: the report's figures under the small-cell rule, its JSON twin and its
        // self-contained HTML page (inline CSS and SVG charts).
        .target(name: "Reporting", dependencies: ["Linkage", "SNDSModel", "Hardening"]),
        // The demo's plan: what `appariement demo` makes, where, and what of a previous demo it reuses.
        .target(
            name: "Demo",
            dependencies: ["SNDSModel", "Hardening", "SNDSStore", "Pseudonymisation", "Synthesis", "Linkage"]),
        // The command line: argument parsing and printing only.
        .executableTarget(
            name: "appariement",
            dependencies: [
                "SNDSModel", "Hardening", "SNDSStore", "Pseudonymisation", "Synthesis", "Linkage", "Reporting", "Demo", "Terminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "SNDSModelTests", dependencies: ["SNDSModel"]),
        .testTarget(name: "HardeningTests", dependencies: ["Hardening"]),
        .testTarget(name: "PseudonymisationTests", dependencies: ["Pseudonymisation", "SNDSModel", "CArgon2"]),
        // A synthetic SNDS made by the real generator, shared by the test targets.
        .target(
            name: "TestSupport",
            dependencies: [
                "Synthesis", "SNDSModel", "SNDSStore", "Pseudonymisation",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/TestSupport"),
        .testTarget(
            name: "SynthesisTests",
            dependencies: [
                "Synthesis", "SNDSModel", "Hardening", "SNDSStore", "Pseudonymisation", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(
            name: "LinkageTests",
            dependencies: [
                "Linkage", "Reporting", "Synthesis", "SNDSModel", "Hardening", "SNDSStore", "Pseudonymisation", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(
            name: "ReportingTests",
            dependencies: ["Reporting", "Linkage", "Synthesis", "SNDSModel", "SNDSStore", "Pseudonymisation", "TestSupport"]),
        .testTarget(
            name: "CommandLineTests",
            dependencies: [
                "appariement", "SNDSModel", "SNDSStore", "Synthesis", "Pseudonymisation", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),

        // Benchmarks (ordo-one/benchmark): `swift package benchmark`. Each compares a hot path with a
        // bare baseline measured in the same run. See docs/benchmarks.md.
        .executableTarget(
            name: "HashingBenchmarks",
            dependencies: [
                "Pseudonymisation", "SNDSModel", "CArgon2",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Hashing",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "GenerationBenchmarks",
            dependencies: [
                "Synthesis", "SNDSStore", "SNDSModel", "Pseudonymisation",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Generation",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "LinkageBenchmarks",
            dependencies: [
                "Linkage", "Synthesis", "SNDSStore", "SNDSModel", "Pseudonymisation",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Linkage",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "IndirectLinkageBenchmarks",
            dependencies: [
                "Linkage", "Synthesis", "SNDSStore", "SNDSModel", "Pseudonymisation",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/IndirectLinkage",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "ReadingBenchmarks",
            dependencies: ["Linkage", "SNDSModel", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/Reading",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ],
    swiftLanguageModes: [.v6]
)
