import ArgumentParser
import Foundation
import Hardening
import Pseudonymisation
import SNDSModel
import SNDSStore
import Synthesis
import Linkage

/// Turns every error into one line on stderr and an exit code, in one place.
///
/// | code | meaning |
/// |---|---|
/// | 0 | success |
/// | 2 | `probabiliste --require-success`: the run is written but its verdict is failure |
/// | 1 | unexpected failure (a bug: please report it) |
/// | 64 | wrong usage: an unknown or invalid option (as swift-argument-parser reports its own) |
/// | 3 | bad input data or reference data |
/// | 4 | key problem (missing, malformed, too open, wrong key) |
/// | 5 | integrity failure (a sealed file or dataset altered, truncated or mismatched) |
/// | 6 | output problem (exists without --force, cannot be written) |
enum Failure {
    static func exitCode(for error: any Error) -> Int32 {
        switch error {
        case is GenerationError: 64
        case is ReferenceDataError, is NIRError, is CohortTruthError, is RulesError: 3
        case is CohortError: 64
        case let error as LinkageError:
            switch error {
            case .badCohort, .badRun: 3
            case .keyMismatch, .keyMismatchForSealing: 4
            }
        case is KeyFileError: 4
        case let error as PseudonymisationError:
            switch error {
            case .wrongKey: 4
            case .invalidParameters: 64
            // Not a sealed file at all — missing, not a regular file, another kind of file or of
            // format version — is refused input; a sealed file damaged, cut or tampered with is 5.
            case .unreadable, .notAFile, .notASealedFile, .unsupportedSealedVersion: 3
            case .io: 6
            default: 5
            }
        case let error as StoreError:
            switch error {
            case .cannotCreate, .io, .writeFailed: 6
            case .missing, .unreadable, .refused, .notSQLite, .notSynthetic, .wrongLayout, .schemaMismatch: 3
            case .incomplete, .altered, .corrupt: 5
            case .sql: 1
            }
        case let error as CommandError:
            switch error {
            case .keyMismatch: 4
            }
        case is OutputError: 6
        default: 1
        }
    }

    /// Runs `body`; on error prints `appariement: error: …` and exits with the mapped code.
    static func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ExitCode {
            throw error
        } catch {
            // Its staged files are gone already (released); the folders made for them go too.
            StagedOutputs.removeCreatedDirectories()
            FileHandle.standardError.write(Data("appariement: error: \(message(for: error))\n".utf8))
            throw ExitCode(exitCode(for: error))
        }
    }

    static func message(for error: any Error) -> String {
        if let localized = error as? LocalizedError, let text = localized.errorDescription { return text }
        return String(describing: error)
    }
}

/// Errors raised by the commands themselves.
enum CommandError: Error, CustomStringConvertible {
    case keyMismatch(dataset: String, expected: String, keyFile: String, given: String)

    var description: String {
        switch self {
        case .keyMismatch(let dataset, let expected, let keyFile, let given):
            "\(dataset) was generated with the key of fingerprint \(expected), but \(keyFile) has fingerprint \(given): give the key it was made with, or use --fresh to generate it again with this key"
        }
    }
}
