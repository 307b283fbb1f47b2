import Foundation

/// A day in the proleptic Gregorian calendar, without time or time zone.
///
/// SNDS dates are civil days (care dates, birth dates, death dates). Foundation's `Date` is an
/// instant and its `Calendar` arithmetic is slow and time-zone dependent; generation handles tens of
/// millions of dates, so this value type converts to and from a day count with integer arithmetic
/// only (H. Hinnant's `days_from_civil` algorithm), which is exact and deterministic.
public struct CalendarDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date, or returns nil when the day does not exist (31 April, 29 February 2023…).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1,
            day <= CalendarDate.daysInMonth(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (negative before).
    public init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// ISO day of the week, 1 (Monday) to 7 (Sunday).
    public var weekday: Int { Self.weekday(daysSinceEpoch: daysSinceEpoch) }

    /// ISO day of the week of a day count (1970-01-01 was a Thursday).
    public static func weekday(daysSinceEpoch days: Int) -> Int { ((days + 3) % 7 + 7) % 7 + 1 }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func daysInYear(_ year: Int) -> Int { isLeap(year) ? 366 : 365 }

    public func adding(days: Int) -> CalendarDate {
        CalendarDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    /// The same day `years` years later; 29 February becomes 28 February in a common year.
    public func adding(years: Int) -> CalendarDate {
        let y = year + years
        let d = min(day, CalendarDate.daysInMonth(year: y, month: month))
        return CalendarDate(year: y, month: month, day: d)!
    }

    public func days(until other: CalendarDate) -> Int { other.daysSinceEpoch - daysSinceEpoch }

    /// Age in completed years on `date` (the birthday counts from the day itself).
    public func age(on date: CalendarDate) -> Int {
        var age = date.year - year
        if (date.month, date.day) < (month, day) { age -= 1 }
        return age
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// `YYYY-MM-DD`, the form dates take in the SQLite database.
    public var iso: String {
        pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    /// `YYYYMMDD`, the 8-position birth date of the CNAM linkage procedure.
    public var compact: String {
        pad(year, 4) + pad(month, 2) + pad(day, 2)
    }

    public var description: String { iso }

    /// Parses `YYYY-MM-DD` exactly.
    public init?(iso text: some StringProtocol) {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
            let y = Self.number(u[0..<4]), let m = Self.number(u[5..<7]), let d = Self.number(u[8..<10])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Parses `YYYYMMDD` exactly.
    public init?(compact text: some StringProtocol) {
        let u = Array(text.utf8)
        guard u.count == 8, let y = Self.number(u[0..<4]), let m = Self.number(u[4..<6]),
            let d = Self.number(u[6..<8])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for c in digits {
            guard c >= 48, c <= 57 else { return nil }
            value = value * 10 + Int(c - 48)
        }
        return value
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = CalendarDate(iso: text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "not a YYYY-MM-DD date: \(text)"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }
}

/// Left-pads a non-negative number with zeros to `width` digits.
@inline(__always)
public func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

extension CalendarDate {
    /// Today's date (UTC).
    public static var today: CalendarDate {
        CalendarDate(daysSinceEpoch: Int(Date().timeIntervalSince1970 / 86_400))
    }
}
