/// A horizontal bar chart drawn as inline SVG: the one chart the report needs (funnel, criteria,
/// configurations, linkage rates by category), with no script and no network.
///
/// A bar whose value is hidden by the small-cell rule has no bar at all: a short grey stub at
/// the axis and its mark ("<10", "masked"), so it can be read neither as empty nor as full (an
/// outline across the whole width read as 100 %), and the chart never shows what the tables hide.
/// A bar may carry an interval (a rate's 95 % confidence interval), drawn as a whisker.
public struct SVGBarChart: Sendable {
    public struct Bar: Sendable {
        public var label: String
        /// nil: hidden (drawn as an outline).
        public var value: Double?
        /// Where the bar starts (a waterfall: a group's links start where the previous group's end).
        public var start: Double = 0
        public var text: String
        public var style: Style = .main
        /// A whisker from the first bound to the second (a confidence interval).
        public var interval: [Double]?
        public init(label: String, value: Double?, start: Double = 0, text: String, style: Style = .main, interval: [Double]? = nil) {
            self.label = label
            self.value = value
            self.start = start
            self.text = text
            self.style = style
            self.interval = interval
        }
    }

    public enum Style: String, Sendable { case main, good, bad, neutral, light }

    public struct Reference: Sendable {
        public var value: Double
        public var label: String
        public init(value: Double, label: String) { self.value = value; self.label = label }
    }

    public var title: String
    public var bars: [Bar]
    /// The value at the right edge.
    public var maximum: Double
    public var reference: Reference?
    public var labelWidth = 250
    public var barAreaWidth = 420
    public var rowHeight = 26

    public init(title: String, bars: [Bar], maximum: Double, reference: Reference? = nil) {
        self.title = title
        self.bars = bars
        self.maximum = maximum
        self.reference = reference
    }

    public var svg: String {
        let top = reference == nil ? 6 : 22
        let height = top + bars.count * rowHeight + 8
        let width = labelWidth + barAreaWidth + 150
        let scale = maximum > 0 ? Double(barAreaWidth) / maximum : 0
        func x(_ v: Double) -> Double { Double(labelWidth) + max(0, min(maximum, v)) * scale }
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\">"
        s += "<title>\(HTML.escape(title))</title>"
        for (i, bar) in bars.enumerated() {
            let y = top + i * rowHeight
            let mid = y + rowHeight / 2 + 4
            // A long label (merged categories) is cut to fit; the table beside the chart has it whole.
            let label = bar.label.count > 38 ? String(bar.label.prefix(37)) + "…" : bar.label
            s +=
                "<text class=\"label\" x=\"\(labelWidth - 8)\" y=\"\(mid)\" text-anchor=\"end\"><title>\(HTML.escape(bar.label))</title>\(HTML.escape(label))</text>"
            if let v = bar.value {
                let x0 = x(bar.start), x1 = x(bar.start + v)
                s +=
                    "<rect class=\"bar \(bar.style.rawValue)\" x=\"\(format(x0))\" y=\"\(y + 4)\" width=\"\(format(max(0, x1 - x0)))\" height=\"\(rowHeight - 8)\"/>"
                s += "<text class=\"value\" x=\"\(labelWidth + barAreaWidth + 8)\" y=\"\(mid)\">\(HTML.escape(bar.text))</text>"
            } else {
                s += "<rect class=\"bar hidden\" x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"10\" height=\"\(rowHeight - 8)\"/>"
                s += "<text class=\"value hidden-mark\" x=\"\(labelWidth + 16)\" y=\"\(mid)\">\(HTML.escape(bar.text))</text>"
            }
            if let ci = bar.interval, ci.count == 2 {
                let a = format(x(ci[0])), b = format(x(ci[1])), cy = y + rowHeight / 2
                s += "<g class=\"interval\"><line x1=\"\(a)\" y1=\"\(cy)\" x2=\"\(b)\" y2=\"\(cy)\"/>"
                s +=
                    "<line x1=\"\(a)\" y1=\"\(cy - 5)\" x2=\"\(a)\" y2=\"\(cy + 5)\"/><line x1=\"\(b)\" y1=\"\(cy - 5)\" x2=\"\(b)\" y2=\"\(cy + 5)\"/></g>"
            }
        }
        if let r = reference {
            let rx = format(x(r.value))
            s += "<line class=\"reference\" x1=\"\(rx)\" y1=\"\(top - 4)\" x2=\"\(rx)\" y2=\"\(height - 4)\"/>"
            s += "<text class=\"reference-label\" x=\"\(rx)\" y=\"12\" text-anchor=\"middle\">\(HTML.escape(r.label))</text>"
        }
        s += "</svg>"
        return s
    }

    private func format(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}

/// HTML text escaping, for every value the report writes into its page.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
