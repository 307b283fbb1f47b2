import Hardening

/// A path as a shell reads it back as one word, for the commands the tool prints for the user to
/// run: left bare when it holds only characters a shell leaves alone, single-quoted otherwise.
enum ShellWord {
    static func quoted(_ word: String) -> String {
        let plain =
            !word.isEmpty
            && word.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || "/._-+:,=@%".unicodeScalars.contains($0))
            }
        // A control character or a line break is shown escaped (MessageText), never printed raw.
        return plain ? word : "'" + MessageText.shown(word).replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
