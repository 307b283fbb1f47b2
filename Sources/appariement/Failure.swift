import ArgumentParser
import Foundation
import Hardening

/// Turns every error into one line on stderr and an exit code, in one place.
///
/// Each error type says its own exit status (``ExitStatusProviding``; the table is ``ExitStatus``
/// and docs/usage.md); an error of no type of ours is a bug, exit 1. A message ends with its
/// error's ``Remedy`` only when the command that failed has the option it names, so that no
/// message names an option its command does not have.
enum Failure {
    static func exitCode(for error: any Error) -> Int32 {
        ((error as? any ExitStatusProviding)?.exitStatus ?? .unexpected).rawValue
    }

    /// Runs `body`; on error prints `appariement: error: …` and exits with the error's code.
    /// `options` are those of the command's options an error's remedy may name.
    static func reporting(offering options: Set<CommandOption> = [], _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ExitCode {
            throw error
        } catch {
            // Its staged files are gone already (released); the folders made for them go too.
            StagedOutputs.removeCreatedDirectories()
            FileHandle.standardError.write(Data("appariement: error: \(message(for: error, offering: options))\n".utf8))
            throw ExitCode(exitCode(for: error))
        }
    }

    static func message(for error: any Error, offering options: Set<CommandOption> = []) -> String {
        let text: String
        if let localized = error as? LocalizedError, let description = localized.errorDescription {
            text = description
        } else {
            text = String(describing: error)
        }
        // One line, whatever the error carries: a path or a value holding a line break, a tab or a
        // bidi control is shown escaped (MessageText), never split over lines or reordered.
        guard let remedy = (error as? any RemedyProviding)?.remedy, options.contains(remedy.option) else { return MessageText.shown(text) }
        return MessageText.shown(text + remedy.appended)
    }
}
