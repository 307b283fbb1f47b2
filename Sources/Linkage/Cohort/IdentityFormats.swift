import SNDSModel

/// Reads the formats hospitals and registries write birth dates and sexes in.
public enum IdentityFormats {
    /// A birth date as `YYYY-MM-DD`, `DD/MM/YYYY`, `DD-MM-YYYY`, `DD.MM.YYYY` or `YYYYMMDD`.
    public enum DateResult: Equatable { case date(CalendarDate), unreadable, impossible }

    public static func birthDate(_ text: String) -> DateResult {
        let t = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard t[i] >= 48, t[i] <= 57 else { return nil }
                value = value * 10 + Int(t[i] - 48)
            }
            return value
        }
        var parts: (year: Int, month: Int, day: Int)?
        if t.count == 10, t[4] == UInt8(ascii: "-"), t[7] == UInt8(ascii: "-"),
            let y = number(0..<4), let m = number(5..<7), let d = number(8..<10)
        {
            parts = (y, m, d)
        } else if t.count == 10, [UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: ".")].contains(t[2]), t[5] == t[2],
            let d = number(0..<2), let m = number(3..<5), let y = number(6..<10)
        {
            parts = (y, m, d)
        } else if t.count == 8, let y = number(0..<4), let m = number(4..<6), let d = number(6..<8) {
            parts = (y, m, d)
        }
        guard let parts else { return .unreadable }
        guard let date = CalendarDate(year: parts.year, month: parts.month, day: parts.day), parts.year >= 1850 else {
            return .impossible
        }
        return .date(date)
    }

    /// A sex as 1/2, M/F (masculin/féminin), H/F (homme/femme), in any case.
    public static func sex(_ text: String) -> Sex? {
        switch text.uppercased() {
        case "1", "M", "H", "MASCULIN", "HOMME": .male
        case "2", "F", "FEMININ", "FÉMININ", "FEMME": .female
        default: nil
        }
    }
}
