import ArgumentParser
import Foundation
import Pseudonymisation

/// `--key-file`, shared by every command that needs the secret key.
struct KeyOption: ParsableArguments {
    @Option(
        name: .customLong("key-file"),
        help: ArgumentHelp(
            "File holding the secret key (64 hex characters, mode 0600).",
            discussion: "Default: the file named by APPARIEMENT_KEY_FILE, else synthetic/secret.key.",
            valueName: "path"))
    var keyFile: String?

    var location: (url: URL, source: KeyFile.Source) { KeyFile.resolve(option: keyFile) }

    /// An empty --key-file is a mistake (an unset shell variable), not a request for the default key.
    func validate() throws {
        if let keyFile, keyFile.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--key-file is empty: give the path of the key file")
        }
    }
}
