import SNDSModel

/// Reads a day written the ways sponsors' files write it: by hand, by Excel, by SAS, by R.
///
/// A birth date or an entry date reaches us as `14/04/1970` from a hospital's export, `4/1/1970`
/// from Excel (day and month not padded), `1970-04-14 00:00:00` from R or pandas (a date-time whose
/// time is midnight), `14APR1970` from SAS's DATE9 format. Each is read here; what cannot be read
/// says why in words a data manager acts on (a two-digit year, a spreadsheet's day number).
///
/// Day first: these are French files, so `4/1/1970` is 4 January. A year on two digits is never
/// guessed (a birth in `24` is 1924 or 2024). A time after the day is read as a tool wrote it: at
/// midnight for a date column exported as a date-time; a birth date at another time is refused
/// (a date shifted by a time zone reads as `1970-04-13 23:00:00` for the 14th), while a care date
/// may carry the hour of admission.
public enum DateLayouts {
    /// What a text reads as.
    public enum Reading: Equatable, Sendable {
        case date(CalendarDate)
        /// A layout read here, but not a day of the calendar (31/04/2023), or before 1850.
        case impossible
        /// A day and month with a year on two digits (`18/12/24`).
        case twoDigitYear
        /// A whole number of five digits: a spreadsheet's day count, the cell shown as a number.
        case spreadsheetDayNumber
        /// A date-time not at midnight where only a day is expected (a birth date).
        case timeNotMidnight
        /// Day first, the "month" is over 12 while the "day" could be a month: a date in the US
        /// order (`9/16/2013`), which is never guessed either way.
        case monthFirst
        /// No layout read here.
        case unreadable

        /// Whether a day was read.
        public var readsAsDay: Bool { if case .date = self { true } else { false } }

        /// Why the value was not taken, as the end of a sentence naming the column ("… is …").
        public var problem: String? {
            switch self {
            case .date: nil
            case .impossible: "not a day of the calendar (or is before 1850)"
            case .twoDigitYear: "a date whose year has two digits, which cannot be told (1924 or 2024?): write the year on four"
            case .spreadsheetDayNumber:
                "a whole number, as a spreadsheet shows a date cell formatted as a number: format the column as a date before saving"
            case .monthFirst:
                "a date whose month would be over 12: day and month swapped, as in the US order? dates are read day first, as in France"
            case .timeNotMidnight:
                "a date-time whose time is not midnight: a birth date has no time, and one moved by a time zone (23:00 the day before) would be the wrong day; write the date alone"
            case .unreadable: "not a date in a layout read here (\(DateLayouts.accepted))"
            }
        }
    }

    /// Which times of day a date may carry.
    public enum Time: Sendable {
        /// Midnight only (a birth date exported as a date-time).
        case midnight
        /// Any (a care date with the hour of admission).
        case any
    }

    /// The layouts read, for messages and help.
    public static let accepted =
        "YYYY-MM-DD, DD/MM/YYYY with '/', '-' or '.' and day or month on one or two digits, YYYYMMDD, DDMMMYYYY as SAS writes it (14APR1970), each with or without a time after it"

    /// Longest number read in a date's part: more digits are no date (and would overflow).
    private static let maxDigits = 9

    /// English month abbreviations, as SAS's DATE9 format writes them.
    private static let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]

    /// Reads `text` (already trimmed).
    public static func read(_ text: String, time: Time = .any) -> Reading {
        let (dayText, clock) = split(text)
        if let clock, time == .midnight, !isMidnight(clock) {
            if case .date = read(String(dayText)) { return .timeNotMidnight }
        }
        let day = Array(dayText.utf8)
        guard let parts = parts(day) else {
            if day.count == 5, day.allSatisfy(isDigit) { return .spreadsheetDayNumber }
            return .unreadable
        }
        if parts.twoDigitYear { return .twoDigitYear }
        if parts.month > 12, (1...12).contains(parts.day), CalendarDate(year: parts.year, month: parts.day, day: parts.month) != nil {
            return .monthFirst
        }
        guard parts.year >= 1850, let date = CalendarDate(year: parts.year, month: parts.month, day: parts.day) else { return .impossible }
        return .date(date)
    }

    /// The day and the time after it (` 00:00:00`, `T00:00`, ` 00:00:00.000`, SAS's
    /// `14APR1970:00:00:00`), or the whole text and nil.
    private static func split(_ text: String) -> (day: Substring, time: Substring?) {
        let chars = Array(text)
        // SAS's DATETIME: the day on nine positions, a colon, the time.
        if chars.count > 10, chars[9] == ":", case .date = read(String(chars[0..<9])), isTime(text.dropFirst(10)) {
            return (text.prefix(9), text.dropFirst(10))
        }
        // ISO's `T` stands between two digits (`OCT` holds a T too: SAS writes `07OCT1985`).
        guard
            let at = chars.firstIndex(of: " ")
                ?? chars.indices.first(where: { i in
                    chars[i] == "T" && i > 0 && i + 1 < chars.count && chars[i - 1].isNumber && chars[i + 1].isNumber
                })
        else { return (Substring(text), nil) }
        let cut = text.index(text.startIndex, offsetBy: at)
        let time = text[text.index(after: cut)...]
        guard isTime(time) else { return (Substring(text), nil) }
        return (text[..<cut], time)
    }

    /// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`, an hour on one or two digits, a `Z` allowed after.
    private static func isTime(_ time: Substring) -> Bool {
        let clock = (time.hasSuffix("Z") ? time.dropLast() : time).split(separator: ":", omittingEmptySubsequences: false)
        return (2...3).contains(clock.count)
            && clock.allSatisfy({ part in
                let digits = part.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
                return (1...2).contains(digits[0].count) && digits.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
            })
    }

    /// Every digit of the time zero.
    private static func isMidnight(_ time: Substring) -> Bool { time.allSatisfy { $0 == "0" || $0 == ":" || $0 == "." || $0 == "Z" } }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    private static func number(_ t: ArraySlice<UInt8>) -> Int? {
        guard !t.isEmpty, t.count <= maxDigits, t.allSatisfy(isDigit) else { return nil }
        return t.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    private static func parts(_ t: [UInt8]) -> (year: Int, month: Int, day: Int, twoDigitYear: Bool)? {
        // YYYYMMDD
        if t.count == 8, let y = number(t[0..<4]), let m = number(t[4..<6]), let d = number(t[6..<8]) { return (y, m, d, false) }
        // DDMMMYYYY (SAS DATE9), month in any case.
        if t.count == 9, let d = number(t[0..<2]), let y = number(t[5..<9]),
            let m = months.firstIndex(of: String(decoding: t[2..<5], as: UTF8.self).uppercased())
        {
            return (y, m + 1, d, false)
        }
        for separator in [UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: ".")] {
            let pieces = t.split(separator: separator, omittingEmptySubsequences: false)
            guard pieces.count == 3, let a = number(pieces[0]), let b = number(pieces[1]), let c = number(pieces[2]) else { continue }
            // YYYY-MM-DD (month and day on one or two digits), the year first.
            if pieces[0].count == 4, (1...2).contains(pieces[1].count), (1...2).contains(pieces[2].count) { return (a, b, c, false) }
            // DD/MM/YYYY, the day first; DD/MM/YY told apart to be refused.
            if (1...2).contains(pieces[0].count), (1...2).contains(pieces[1].count) {
                if pieces[2].count == 4 { return (c, b, a, false) }
                if pieces[2].count == 2 { return (c, b, a, true) }
            }
        }
        return nil
    }
}
