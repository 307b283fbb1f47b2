/// France's public holidays (jours fériés) of metropolitan France: the eight fixed ones and the
/// three that follow Easter (Easter Monday, Ascension, Whit Monday).
///
/// Care follows them as it follows Sundays — surgeries, laboratories and most pharmacies close — so
/// the generator shapes its days with them and `describe` measures the share of care on them.
/// Overseas départements have a few more (abolition of slavery days); they are left out.
public enum PublicHolidays {
    /// The eleven holidays of `year`, as days since 1970-01-01.
    public static func days(in year: Int) -> [Int] {
        let fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
        let easter = easterSunday(year).daysSinceEpoch
        return fixed.map { CalendarDate(year: year, month: $0.0, day: $0.1)!.daysSinceEpoch } + [1, 39, 50].map { easter + $0 }
    }

    /// Every holiday of the years `years`.
    public static func days(in years: ClosedRange<Int>) -> Set<Int> {
        Set(years.flatMap { days(in: $0) })
    }

    /// Easter Sunday of the Gregorian calendar (the anonymous algorithm, Meeus/Jones/Butcher).
    public static func easterSunday(_ year: Int) -> CalendarDate {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CalendarDate(year: year, month: month, day: day)!
    }
}
