/// Text from a user's file as a message may show it: control and format characters (a line break
/// in a quoted header cell or YAML key, an escape sequence, a bidi override) written as escapes
/// (`\n`, `\u{1B}`), so that the message stays the one line the command prints and the terminal
/// receives nothing from the file but plain text. (A property the fuzzers check, scripts/fuzz.)
public enum MessageText {
    public static func shown(_ text: some StringProtocol) -> String {
        var out = ""
        for u in text.unicodeScalars {
            switch u.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator:
                switch u {
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default: out += "\\u{\(String(u.value, radix: 16, uppercase: true))}"
                }
            default:
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
