/// Other line numbers named in a line's reason ("the NS is also on lines 3, 7", "same person as
/// line 12"): at most ``shown`` of them, then how many more, so that an output stays linear in the
/// cohort — 10,000 lines of one identity listed each other in full (a 589 MB results.csv from a
/// 390 KB cohort).
enum LineList {
    /// Line numbers named in full before "and N more".
    static let shown = 5

    /// "line 3", "lines 3, 7", "lines 3, 7, 9, 12, 15 and 9995 more", from `lines` less `line`.
    static func others(of line: Int, in lines: [Int]) -> String {
        var named: [Int] = []
        var count = 0
        for other in lines where other != line {
            count += 1
            if named.count < shown { named.append(other) }
        }
        let list = named.map(String.init).joined(separator: ", ")
        let more = count > named.count ? " and \(count - named.count) more" : ""
        return "line\(count > 1 ? "s" : "") \(list)\(more)"
    }
}
