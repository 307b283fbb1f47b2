import ArgumentParser
import Foundation
import Pseudonymisation

/// `appariement check-sealed`: authenticate a sealed file with the key, without showing its contents.
struct CheckSealed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-sealed",
        abstract: "Verify a sealed file (correspondence) with the key: header, key fingerprint, every block.",
        discussion:
            "Prints the header and the payload size, never the payload. Exits 3 when the file is not a sealed file (missing, a directory, a device or a pipe, another kind of file), 4 for a wrong key, 5 for an altered or truncated file."
    )

    @Argument(help: ArgumentHelp("The sealed file.", valueName: "file"))
    var file: String

    @OptionGroup var key: KeyOption

    func run() throws {
        try Failure.reporting {
            let secret = try KeyFile.load(at: key.location.url)
            let reader = try SealedFileReader(url: URL(fileURLWithPath: file), key: secret)
            let bytes = try reader.verify()
            let h = reader.header
            print(
                """
                \(file): authentic.
                  contents        \(h.contents) (\(bytes.formatted()) bytes in blocks of \(h.blockBytes.formatted()))
                  format          \(h.format), \(h.cipher), key derivation \(h.kdf.algorithm)
                  key fingerprint \(h.keyFingerprint)
                  created by      \(h.createdBy)
                """
                    + (h.pseudonymisation.map {
                        "\n  pseudonyms      \($0.algorithm) t=\($0.iterations) m=\($0.memoryKiB) KiB lanes=\($0.lanes), salt \($0.saltHex)"
                    } ?? ""))
        }
    }
}
