// swift-tools-version: 6.1
// Fuzzers for appariement's readers of untrusted input: the NIR validator, the cohort CSV reader
// (DelimitedReader, CohortFile, DirectCohort, IndirectCohort), the rules parser (IndirectRules) and
// the readers of a run's own files (RunSummary, Evaluation, RunIntegrity).
// A package of its own so that the main build never sees -sanitize=fuzzer; it uses the checkout's
// own targets through the root package's library products. Build and run them with scripts/fuzz.
import PackageDescription

// Each fuzzer is an executable with no `main` of its own: libFuzzer's main calls the
// `LLVMFuzzerTestOneInput` each one exports, hence -parse-as-library.
let fuzzerSettings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "appariement-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "appariement", path: "..")
    ],
    targets: [
        // Checks that stop the fuzzer with a message, temporary files, the project's paths.
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "FuzzNIR",
            dependencies: [
                "FuzzSupport", .product(name: "SNDSModel", package: "appariement"),
                .product(name: "Linkage", package: "appariement"),
            ],
            swiftSettings: fuzzerSettings),
        .executableTarget(
            name: "FuzzCohort",
            dependencies: [
                "FuzzSupport", .product(name: "SNDSModel", package: "appariement"),
                .product(name: "Linkage", package: "appariement"),
            ],
            swiftSettings: fuzzerSettings),
        .executableTarget(
            name: "FuzzRunFiles",
            dependencies: ["FuzzSupport", .product(name: "Linkage", package: "appariement")],
            swiftSettings: fuzzerSettings),
        .executableTarget(
            name: "FuzzRules",
            dependencies: [
                "FuzzSupport", .product(name: "SNDSModel", package: "appariement"),
                .product(name: "Linkage", package: "appariement"),
            ],
            swiftSettings: fuzzerSettings),
    ],
    swiftLanguageModes: [.v6]
)
