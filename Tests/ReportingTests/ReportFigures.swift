import Foundation
import Reporting

/// Reads a report's figures back from what a page shows and checks each against the JSON twin,
/// independently of the code that formatted them: the text is parsed as a person would read it
/// (French or English layout) and compared with the JSON value at the figure's key.
enum ReportFigures {
    struct Figure {
        let key: String
        let format: String
        let text: String
    }

    /// The figures of the HTML source (`data-key` spans), their text unescaped.
    static func figures(inHTML html: String) -> [Figure] {
        let pattern = #"<span class="figure" data-key="([^"]*)" data-format="([^"]*)">([^<]*)</span>"#
        let regex = try! NSRegularExpression(pattern: pattern)
        let ns = html as NSString
        return regex.matches(in: html, range: NSRange(location: 0, length: ns.length)).map { m in
            Figure(
                key: unescape(ns.substring(with: m.range(at: 1))), format: ns.substring(with: m.range(at: 2)),
                text: unescape(ns.substring(with: m.range(at: 3))))
        }
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The JSON value at a figure's key: objects by name, arrays by their element's identifier
    /// (key, group, id, column, reason, category) or else by index.
    static func value(at key: String, in json: Any) -> Any? {
        var node: Any? = json
        for segment in key.split(separator: ".").map(String.init) {
            if let object = node as? [String: Any] {
                node = object[segment]
            } else if let array = node as? [[String: Any]] {
                let ids = ["key", "group", "id", "column", "reason", "category"]
                node =
                    array.first { element in ids.contains { id in element[id].map { "\($0)" } == segment } }
                    ?? Int(segment).flatMap { $0 < array.count ? array[$0] : nil }
            } else {
                return nil
            }
        }
        return node
    }

    /// A number as the page writes it, in either language.
    static func number(_ text: String, language: String) -> Double? {
        var t = text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "\u{202F}", with: "")
            .replacingOccurrences(of: "\u{A0}", with: "").replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "−", with: "-")
        t = language == "fr" ? t.replacingOccurrences(of: ",", with: ".") : t.replacingOccurrences(of: ",", with: "")
        return Double(t)
    }

    /// What is wrong with one figure, nil when it agrees with the JSON.
    static func disagreement(_ f: Figure, json: Any, language: String, labels: ReportLabels) -> String? {
        guard let expected = value(at: f.key, in: json) else { return "\(f.key): not in the JSON" }
        switch f.format {
        case "count":
            if let mark = expected as? String {
                let shown = mark == "masked" ? labels("masked") : mark
                return f.text == shown ? nil : "\(f.key): shows '\(f.text)', the JSON says '\(mark)'"
            }
            guard let n = (expected as? NSNumber)?.intValue else { return "\(f.key): the JSON holds no count" }
            return number(f.text, language: language) == Double(n) ? nil : "\(f.key): shows '\(f.text)', the JSON says \(n)"
        case "percent", "decimal2", "decimal3":
            guard let v = (expected as? NSNumber)?.doubleValue else { return "\(f.key): the JSON holds no number" }
            guard let shown = number(f.text, language: language) else { return "\(f.key): '\(f.text)' is not a number" }
            let (target, tolerance) =
                switch f.format {
                case "percent": (v * 100, 0.05)
                case "decimal2": (v, 0.005)
                default: (v, 0.0005)
                }
            return abs(shown - target) <= tolerance + 1e-9 ? nil : "\(f.key): shows '\(f.text)', the JSON says \(v)"
        default:
            guard let s = expected as? String else { return "\(f.key): the JSON holds no text" }
            return f.text == s || f.text == labels(s) ? nil : "\(f.key): shows '\(f.text)', the JSON says '\(s)'"
        }
    }

    /// Every count cell of the JSON (a number, "<N>" or "masked") under the sections that count
    /// people, with its key path, so a test can check none escapes the rule or the page.
    static func countCells(in json: Any) -> [(key: String, value: Any)] {
        var out: [(String, Any)] = []
        let countNames: Set<String> = [
            "count", "linked", "cumulative", "linesMatched", "missing", "reformatted", "invalid", "rejected",
            "lines", "notLinked", "correct", "wrong", "found",
        ]
        func walk(_ node: Any, _ path: String, _ inCounts: Bool) {
            if let object = node as? [String: Any] {
                for (k, v) in object { walk(v, path.isEmpty ? k : "\(path).\(k)", countNames.contains(k)) }
            } else if let array = node as? [[String: Any]] {
                let ids = ["key", "group", "id", "column", "reason", "category"]
                for (i, element) in array.enumerated() {
                    let id = ids.lazy.compactMap { element[$0].map { "\($0)" } }.first ?? String(i)
                    walk(element, "\(path).\(id)", false)
                }
            } else if inCounts {
                out.append((path, node))
            }
        }
        if let object = json as? [String: Any] {
            for section in ["outcome", "funnel", "groups", "configurations", "rejections", "exclusions", "quality", "bias", "evaluation"] {
                if let node = object[section] { walk(node, section, false) }
            }
        }
        return out
    }
}
