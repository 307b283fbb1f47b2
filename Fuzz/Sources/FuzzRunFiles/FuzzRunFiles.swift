// Fuzzes the readers of a finished run's own files, which `report`, `evaluate` and `export links`
// take back from a folder anyone may have edited: summary.json (`RunSummary.read`, either kind,
// with the checks that its figures reconcile, Linkage/Run/RunFigures.swift), evaluation.json
// (`Evaluation.read`) and integrity.json (`RunIntegrity.verify` without a key: the digests).
//
// Input: the first byte chooses the file (0 summary.json, 1 evaluation.json, 2 integrity.json,
// modulo 3), the rest is its bytes; the other files of the folder are absent.
//
// Properties:
// - nothing traps (an overflowing sum of counts included) and nothing hangs;
// - a refusal is a LinkageError naming a file of the folder, on one line;
// - a summary or an evaluation read has figures that reconcile (`figuresProblem` is nil), and
//   written back as JSON, reads back to the same value.
import Foundation
import FuzzSupport
import Linkage

private let summary = ScratchFile("summary.json")
private let evaluation = ScratchFile("evaluation.json")
private let integrity = ScratchFile("integrity.json")
private var folder: URL { summary.url.deletingLastPathComponent() }

private let minimalSummary = Array(#"{"tool":"appariement","kind":"direct"}"#.utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRunFiles(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = inputBytes(data, size)
    guard let choice = input.first else { return 0 }
    let bytes = Array(input.dropFirst())
    for file in [summary, evaluation, integrity] { try? FileManager.default.removeItem(at: file.url) }
    switch choice % 3 {
    case 0:
        summary.write(bytes)
        do {
            switch try RunSummary.read(from: folder) {
            case .direct(let s):
                require(s.figuresProblem == nil, "a direct summary read whose figures do not reconcile")
                roundTrip(s)
            case .indirect(let s):
                require(s.figuresProblem == nil, "an indirect summary read whose figures do not reconcile")
                roundTrip(s)
            }
        } catch { checkRefusal(error) }
    case 1:
        evaluation.write(bytes)
        do {
            let e = try Evaluation.read(from: folder)
            require(e.figuresProblem == nil, "an evaluation read whose figures do not reconcile")
            roundTrip(e)
        } catch { checkRefusal(error) }
    default:
        // A folder that is a run (its summary says so) with the input as its seal.
        summary.write(minimalSummary)
        integrity.write(bytes)
        do { try RunIntegrity.verify(folder, reading: [], key: nil) } catch { checkRefusal(error) }
    }
    return 0
}

private func checkRefusal(_ error: any Error) {
    guard let error = error as? LinkageError else {
        require(false, "a run file refused with something else than a LinkageError: \(type(of: error))")
        return
    }
    switch error {
    case .badRun(let path, _), .runAltered(let path, _):
        require(path.hasPrefix(folder.path), "a refusal names a path outside the run's folder")
    default:
        require(false, "a run file refused as something else than a bad or altered run")
    }
    require(!error.description.contains(where: { $0 == "\n" || $0 == "\r" }), "a refusal is not one line")
}

private func roundTrip<T: Codable & Equatable>(_ value: T) {
    guard let data = try? JSONEncoder().encode(value) else {
        require(false, "a value read cannot be written back")
        return
    }
    require((try? JSONDecoder().decode(T.self, from: data)) == value, "a value read does not read back the same once written")
}
