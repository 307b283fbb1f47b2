import Foundation
import Reporting
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The report opened in a real browser: Debian's Chromium, headless, driven through chromedriver
/// (W3C WebDriver on a loopback port). The page must render with no console error, the figures a
/// person sees (their rendered text, not the HTML source) must agree with the JSON, and a
/// screenshot is taken (kept under .build-tests/report-screenshots/ for a person to look at).
///
/// scripts/test installs chromium and chromium-driver; without them this test fails, it does not skip.
@Suite(.serialized) struct BrowserTests {
    static let chromedriver = "/usr/bin/chromedriver", chromium = "/usr/bin/chromium"

    @Test(arguments: ["direct", "indirect"])
    func theReportRendersInChromiumWithItsFiguresAndNoError(kind: String) throws {
        let f = try ReportFixture.shared.get()
        let run = kind == "direct" ? f.direct : f.indirect
        let browser = try Browser()
        defer { browser.quit() }
        try browser.open(run.folder.appendingPathComponent(LinkageReport.htmlFile))

        let errors = try browser.errors()
        #expect(errors.isEmpty, "console errors: \(errors)")
        #expect(try browser.script("return document.title") as? String == HTMLReport(run.report).title + " — " + run.folder.lastPathComponent)

        // The figures as rendered, read back and compared with the JSON.
        let rendered =
            try browser.script(
                "return Array.from(document.querySelectorAll('[data-key]')).map(e => [e.dataset.key, e.dataset.format, e.innerText])") as? [[String]]
            ?? []
        #expect(rendered.count == ReportFigures.figures(inHTML: run.html).count)
        let json = try JSONSerialization.jsonObject(with: run.json)
        let labels = ReportLabels(ReportBuilder.Language(rawValue: run.report.language)!)
        let wrong = rendered.compactMap { r in
            ReportFigures.disagreement(.init(key: r[0], format: r[1], text: r[2]), json: json, language: run.report.language, labels: labels)
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
        // The key numbers are visible on the first screen: the verdict and the lines found.
        let headline =
            try browser.script(
                """
                const r = document.querySelector('[data-key="outcome.found"]').getBoundingClientRect();
                const v = document.querySelector('[data-key="outcome.verdict"]');
                return [r.width > 0 && r.height > 0 && r.top < window.innerHeight, v ? v.innerText : "none"];
                """) as? [Any]
        #expect(headline?.first as? Bool == true)
        // A direct run's report has no verdict without a threshold.
        #expect(headline?.last as? String == run.report.outcome.verdict.map { labels($0.rawValue) } ?? "none")
        // Every chart drew its bars.
        let bars =
            try browser.script("return Array.from(document.querySelectorAll('svg.chart')).map(s => s.querySelectorAll('rect').length)") as? [Int]
            ?? []
        #expect(bars.count >= (kind == "direct" ? 3 : 5) && bars.allSatisfy { $0 > 0 }, "\(bars)")

        let png = try browser.screenshot()
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 1200 && height > 500, "\(width)×\(height)")
        #expect(png.count > 20_000, "a screenshot of \(png.count) bytes is a blank page")
        let shots = ReportFixture.checkout.appendingPathComponent(".build-tests/report-screenshots")
        try? FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        try? Data(png).write(to: shots.appendingPathComponent("\(kind).png"))
    }

    /// Direct reports of 20, 1,000 and 10,000 lines (a cohort with its département, for the check by
    /// region), in French and in English, opened in Chromium: no console error, every rendered
    /// figure agrees with the JSON, no word of the other language in the rendered text, and a
    /// screenshot kept for a person (`.build-tests/report-screenshots/direct-N-fr.png`…).
    @Test(arguments: [20, 1_000, 10_000])
    func reportsOfEverySizeRenderInBothLanguages(lines: Int) throws {
        // 10,000 lines need the larger shared dataset (20,000 people), which other suites make too.
        let dataset = try lines > 3_000 ? GeneratedDataset.shared(size: 20_000, seed: 7) : ReportFixture.shared.get().dataset
        let folder = dataset.directory.appendingPathComponent("sizes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let shots = ReportFixture.checkout.appendingPathComponent(".build-tests/report-screenshots")
        try? FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        for language in ReportBuilder.Language.allCases {
            let run = try ReportFixture.directRun(
                dataset, size: lines, seed: 40, in: folder, name: "size-\(lines)-\(language.rawValue)", language: language, audience: .team,
                residence: true)
            let browser = try Browser()
            defer { browser.quit() }
            try browser.open(run.folder.appendingPathComponent(LinkageReport.htmlFile))
            #expect(try browser.errors().isEmpty)
            let rendered =
                try browser.script(
                    "return Array.from(document.querySelectorAll('[data-key]')).map(e => [e.dataset.key, e.dataset.format, e.innerText])")
                as? [[String]] ?? []
            #expect(rendered.count > 40, "\(lines) lines, \(language): \(rendered.count) figures rendered")
            let json = try JSONSerialization.jsonObject(with: run.json)
            let labels = ReportLabels(language)
            let wrong = rendered.compactMap { r in
                ReportFigures.disagreement(.init(key: r[0], format: r[1], text: r[2]), json: json, language: language.rawValue, labels: labels)
            }
            #expect(wrong.isEmpty, "\(lines) lines, \(language): \(wrong.prefix(5))")
            // The text a person reads, codes aside.
            let text =
                try browser.script(
                    "const b = document.body.cloneNode(true); b.querySelectorAll('code, style').forEach(e => e.remove()); return b.innerText")
                as? String ?? ""
            #expect(text.count > 2_000)
            let foreign = Set(Glossary.words(ofPage: HTML.escape(text))).intersection(language == .fr ? Glossary.english : Glossary.french)
            #expect(foreign.isEmpty, "\(lines) lines, \(language): \(foreign.sorted())")
            // Regions, not départements: at most 20 rows whatever the cohort's size.
            #expect((run.report.bias.region?.count ?? 99) <= 20)
            let png = try browser.screenshot()
            #expect(png.count > 20_000, "a blank page")
            try? Data(png).write(to: shots.appendingPathComponent("direct-\(lines)-\(language.rawValue).png"))
        }
    }

    /// The check above can fail: a chart with a negative width is reported by the browser.
    @Test func aBrokenChartIsAConsoleError() throws {
        let page = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).html")
        try #"<!DOCTYPE html><html><body><svg xmlns="http://www.w3.org/2000/svg"><rect width="-4" height="2"/></svg></body></html>"#
            .write(to: page, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: page) }
        let browser = try Browser()
        defer { browser.quit() }
        try browser.open(page)
        let errors = try browser.errors()
        #expect(errors.contains { $0.contains("negative") }, "\(errors)")
    }
}

/// A headless Chromium session through chromedriver, with the few WebDriver calls the tests use.
final class Browser {
    enum Failure: Error, CustomStringConvertible {
        case missing(String), webDriver(String)
        var description: String {
            switch self {
            case .missing(let what): "\(what) is not installed: scripts/test installs chromium and chromium-driver"
            case .webDriver(let why): "WebDriver: \(why)"
            }
        }
    }

    private let driver = Process()
    private let port: Int
    private var session = ""

    init() throws {
        for tool in [BrowserTests.chromedriver, BrowserTests.chromium] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw Failure.missing(tool)
        }
        port = Int.random(in: 20_000...60_000)
        driver.executableURL = URL(fileURLWithPath: BrowserTests.chromedriver)
        driver.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        do { try start() } catch {
            // Never leave a driver behind a failed start.
            stopDriver()
            throw error
        }
    }

    private func start() throws {
        // Ready within ten seconds, or not at all.
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                _ = try call("GET", "/status")
                break
            } catch {
                guard Date() < deadline, driver.isRunning else { throw Failure.webDriver("chromedriver did not start (\(error))") }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": BrowserTests.chromium,
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--window-size=1200,1600", "--hide-scrollbars",
                        ],
                    ],
                    "goog:loggingPrefs": ["browser": "ALL"],
                ]
            ]
        ]
        let answer = try call("POST", "/session", capabilities) as? [String: Any]
        guard let id = answer?["sessionId"] as? String else { throw Failure.webDriver("no session: \(String(describing: answer))") }
        session = id
    }

    func open(_ file: URL) throws { _ = try call("POST", "/session/\(session)/url", ["url": file.absoluteString]) }

    func script(_ source: String) throws -> Any? {
        try call("POST", "/session/\(session)/execute/sync", ["script": source, "args": [Any]()])
    }

    /// The console's errors (SEVERE entries) since the last call.
    func errors() throws -> [String] {
        let entries = try call("POST", "/session/\(session)/se/log", ["type": "browser"]) as? [[String: Any]] ?? []
        return entries.filter { $0["level"] as? String == "SEVERE" }.map { $0["message"] as? String ?? "?" }
    }

    func screenshot() throws -> [UInt8] {
        guard let text = try call("GET", "/session/\(session)/screenshot") as? String, let data = Data(base64Encoded: text) else {
            throw Failure.webDriver("no screenshot")
        }
        return [UInt8](data)
    }

    func quit() {
        if !session.isEmpty { _ = try? call("DELETE", "/session/\(session)") }
        stopDriver()
    }

    /// chromedriver ignores SIGTERM: it is asked to shut down, then killed if still there.
    private func stopDriver() {
        _ = try? Self.http("GET", port: port, path: "/shutdown", body: Data())
        let deadline = Date().addingTimeInterval(3)
        while driver.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if driver.isRunning { kill(driver.processIdentifier, SIGKILL) }
        driver.waitUntilExit()
    }

    /// One WebDriver request; returns its `value`.
    private func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any? {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        let data = try Self.http(method, port: port, path: path, body: payload)
        let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any]
        let value = object?["value"]
        if let v = value as? [String: Any], let error = v["error"] as? String {
            throw Failure.webDriver("\(error): \(v["message"] as? String ?? "")")
        }
        return value is NSNull ? nil : value
    }

    /// A plain HTTP/1.1 exchange on a loopback socket, the connection closed after the answer.
    /// (FoundationNetworking's URLSession fails here with "Failed writing header" on this toolchain.)
    static func http(_ method: String, port: Int, path: String, body: Data) throws -> Data {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.webDriver("no socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure.webDriver("cannot connect to port \(port)") }
        var request = Data("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n".utf8)
        request += Data("Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
        try request.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = send(fd, raw.baseAddress! + sent, raw.count - sent, 0)
                guard n > 0 else { throw Failure.webDriver("send failed") }
                sent += n
            }
        }
        // Read until the body announced by Content-Length is complete (the driver may keep the
        // connection open), or until it closes.
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var expected: Int?
        while true {
            if expected == nil, let split = response.firstRange(of: [13, 10, 13, 10]) {
                let head = String(decoding: response[..<split.lowerBound], as: UTF8.self).lowercased()
                if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                    let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
                {
                    expected = split.upperBound + length
                }
            }
            if let expected, response.count >= expected { break }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        guard let split = response.firstRange(of: [13, 10, 13, 10]) else { throw Failure.webDriver("no HTTP answer") }
        let head = String(decoding: response[..<split.lowerBound], as: UTF8.self).lowercased()
        var content = Array(response[split.upperBound...])
        if head.contains("transfer-encoding: chunked") { content = dechunk(content) }
        return Data(content)
    }

    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](), i = 0
        while let end = bytes[i...].firstRange(of: [13, 10]) {
            guard let size = Int(String(decoding: bytes[i..<end.lowerBound], as: UTF8.self), radix: 16), size > 0 else { break }
            out += bytes[end.upperBound..<min(bytes.count, end.upperBound + size)]
            i = end.upperBound + size + 2
            guard i < bytes.count else { break }
        }
        return out
    }
}
