import Hardening
import Yams

/// Reading YAML a user gives (rules files, cohort noise profiles, the care model of a reference
/// folder) with the same guards everywhere, before any reader of the project looks at it:
///
/// - mapping keys that are alias bombs are refused before Yams composes them (it hashes keys while
///   composing, following aliases: exponential time; `YAMLKeyExpansion`);
/// - a tree that expands, aliases followed, to more than `nodeLimit` nodes is refused (billion
///   laughs: Yams shares an alias's node, so the tree is small in memory, but a reader or a decoder
///   walking it would visit every copy);
/// - a YAML syntax error keeps libyaml's reason, its context and its line, on one line;
/// - `nonDecimalNumber(in:)` finds the numbers YAML 1.1 reads other than as written: base 60
///   (`1:30` is 90, which Yams multiplies without overflow check: a trap from about twelve parts),
///   hexadecimal, octal, binary, with underscores: a reader decoding numbers refuses them first.
///
/// The size limit and the regular-file check are made before the text exists (`InputFile`).
public enum YAMLInput {
    /// The first plain scalar (in document order) that Yams would decode as a number although it is
    /// not written as a plain decimal one: YAML 1.1 reads `0x1` as 1, `0o17` and `017` as 15,
    /// `0b11` as 3, `1_000` as 1000, `1:30` as 90 (base 60), `.inf` and `.nan` as what they say. A
    /// rate, a threshold or a count written so is a mistake to refuse, not a number to read
    /// silently. Quoted, such a value is text and not found.
    public static func nonDecimalNumber(in node: Node) -> Node.Scalar? {
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain || scalar.style == .any else { return nil }
            let text = scalar.string
            guard Double.construct(from: scalar) != nil || (!text.contains(":") && Int.construct(from: scalar) != nil) else { return nil }
            return isPlainDecimal(text) ? nil : scalar
        case .alias:
            return nil
        case .mapping(let mapping):
            for (key, value) in mapping {
                if let found = nonDecimalNumber(in: key) ?? nonDecimalNumber(in: value) { return found }
            }
            return nil
        case .sequence(let sequence):
            for item in sequence {
                if let found = nonDecimalNumber(in: item) { return found }
            }
            return nil
        }
    }

    /// `12`, `-3`, `0.05`, `.5`, `1e-3`: digits with at most a sign, a point and an exponent, and no
    /// leading zero before another digit (`017` is octal to YAML 1.1).
    static func isPlainDecimal(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
        let integer = rest.prefix { $0.isASCII && $0.isNumber }
        rest = rest.dropFirst(integer.count)
        if integer.count > 1, integer.first == "0" { return false }
        var fraction = Substring("")
        if rest.first == "." {
            rest = rest.dropFirst()
            fraction = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(fraction.count)
        }
        guard !integer.isEmpty || !fraction.isEmpty else { return false }
        if rest.first == "e" || rest.first == "E" {
            rest = rest.dropFirst()
            if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
            let exponent = rest.prefix { $0.isASCII && $0.isNumber }
            guard !exponent.isEmpty else { return false }
            rest = rest.dropFirst(exponent.count)
        }
        return rest.isEmpty
    }

    /// What to say of a number `nonDecimalNumber(in:)` found, `what` naming the values expected
    /// ("rates", "a threshold").
    public static func nonDecimalMessage(_ scalar: Node.Scalar, example: String) -> String {
        let shown = scalar.string.count > 40 ? scalar.string.prefix(40) + "…" : Substring(scalar.string)
        let digits = scalar.string.drop { $0 == "+" || $0 == "-" }
        if scalar.string.contains(":") {
            return "\(shown) is a base-60 number in YAML (1:30 is 90): write a decimal number (e.g. \(example))"
        }
        if digits.count > 1, digits.first == "0", digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return
                "\(shown) has a leading zero, which YAML 1.1 reads as an octal number: quote it ('\(shown)') if it is a code, or write it without the zero"
        }
        return
            "\(shown) is not a plain decimal number (YAML 1.1 reads 0x1, 0b11 and 1_000 in other bases or ways): write a decimal number (e.g. \(example))"
    }

    /// A YAML text the project refuses: the line where it is, when known, and why, in one sentence.
    public struct Problem: Error, Equatable, Sendable {
        public let line: Int?
        public let why: String
        public init(line: Int?, why: String) {
            self.line = line
            self.why = why
        }
    }

    /// The nodes (keys, values and collections, aliases followed) a file may expand to.
    public static let defaultNodeLimit = 10_000

    /// The document's root node (nil for an empty document), after the guards above; `kind` names
    /// what the file should be in messages ("a rules file").
    public static func compose(_ text: String, kind: String, nodeLimit: Int = defaultNodeLimit) throws(Problem) -> Node? {
        if let keys = YAMLKeyExpansion.keyNodes(in: text, limit: nodeLimit), keys > nodeLimit {
            throw Problem(line: nil, why: "the file's keys expand to too many values (aliases?): not \(kind)")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw problem(error, in: text)
        }
        if let root {
            var budget = nodeLimit
            if !fits(root, budget: &budget) {
                throw Problem(line: nil, why: "the file expands to too many values (aliases?): not \(kind)")
            }
        }
        return root
    }

    /// Walks the tree, aliases followed, spending one of `budget` per node; false once it is spent.
    static func fits(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias:
            return true
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard fits(key, budget: &budget), fits(value, budget: &budget) else { return false }
            }
            return true
        case .sequence(let sequence):
            for item in sequence {
                guard fits(item, budget: &budget) else { return false }
            }
            return true
        }
    }

    /// A Yams error as one sentence with its line: libyaml's problem, where it is and what it was
    /// reading (`found character that cannot start any token (while scanning for the next token)`),
    /// instead of Yams' description, whose first line may hold only the context and whose next
    /// lines quote the file.
    public static func problem(_ error: any Error, in text: String) -> Problem {
        guard let error = error as? YamlError else {
            return Problem(line: nil, why: "not valid YAML: " + (String(describing: error).split(separator: "\n").first.map(String.init) ?? ""))
        }
        func located(_ context: YamlError.Context?, _ problem: String, _ mark: Mark) -> Problem {
            var why = "not valid YAML at column \(mark.column): \(problem)"
            if let context, !context.text.isEmpty {
                let started =
                    context.mark.line == mark.line && context.mark.column == mark.column
                    ? ""
                    : context.mark.line == mark.line
                        ? " that starts at column \(context.mark.column)"
                        : " that starts at line \(context.mark.line), column \(context.mark.column)"
                why += " (\(context.text)\(started))"
            }
            if problem == "found undefined alias" {
                // libyaml names no alias here; a cycle (an anchor containing itself) ends up here too.
                why += ": an alias (*name) refers to no anchor (&name) complete before it — undefined, or an anchor containing itself"
            }
            return Problem(line: mark.line, why: why)
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            return located(context, problem, mark)
        case let .reader(problem, offset, _, _):
            guard let offset, let index = text.index(text.startIndex, offsetBy: offset, limitedBy: text.endIndex) else {
                return Problem(line: nil, why: "not valid YAML: \(problem)")
            }
            let line = text[..<index].reduce(1) { $1.isNewline ? $0 + 1 : $0 }
            return Problem(line: line, why: "not valid YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return Problem(
                line: context.mark.line > 0 ? context.mark.line : nil,
                why: duplicates.count == 1 ? "the key \(keys) is given twice" : "the keys \(keys) are given twice")
        case .memory:
            return Problem(line: nil, why: "not valid YAML: the YAML library ran out of memory")
        default:
            return Problem(line: nil, why: "not valid YAML: " + (String(describing: error).split(separator: "\n").first.map(String.init) ?? ""))
        }
    }
}

extension YAMLInput.Problem: ExitStatusProviding {
    public var exitStatus: ExitStatus { .badInput }
}
