import Foundation
import Hardening
import SNDSModel

/// Whether a file starts like a sealed file — only its first bytes, nothing authenticated — so that
/// `generate --force` replaces a previous correspondence and never some other file that happens to
/// carry its name.
public enum SealedFileSignature {
    /// True when `url` is a regular file starting with the sealed-file magic. A directory, a device
    /// or a pipe is not opened (opening a pipe would block).
    public static func matches(_ url: URL) -> Bool {
        guard let handle = try? InputFile.openForReading(url) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: SealedFileLayout.magic.count)).map(Array.init) == SealedFileLayout.magic
    }
}
