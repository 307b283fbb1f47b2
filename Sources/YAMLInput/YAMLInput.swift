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
/// - `base60Number(in:)` finds YAML 1.1's base-60 numbers (`1:30` is 90), which Yams reads as
///   integers by multiplying without overflow check (a trap from about twelve parts) and as
///   floating-point numbers silently: a reader decoding numbers refuses them first.
///
/// The size limit and the regular-file check are made before the text exists (`InputFile`).
public enum YAMLInput {
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

    /// The first plain scalar (in document order) that Yams would decode as a base-60 number, such as
    /// `1:30`, `0:0:1` or `1:0:0:0:0:0:0:0:0:0:0:0:0`. Quoted, it is text and not found.
    public static func base60Number(in node: Node) -> Node.Scalar? {
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain || scalar.style == .any, scalar.string.contains(":") else { return nil }
            // Not the resolved tag: Yams' number constructors read any plain scalar with ':' whose
            // parts are numbers as base 60, whatever its tag (`0:0:1`, a string to the resolver,
            // decodes as the Double 1). Double's constructor is the one that cannot trap.
            return Double.construct(from: scalar) != nil ? scalar : nil
        case .alias:
            return nil
        case .mapping(let mapping):
            for (key, value) in mapping {
                if let found = base60Number(in: key) ?? base60Number(in: value) { return found }
            }
            return nil
        case .sequence(let sequence):
            for item in sequence {
                if let found = base60Number(in: item) { return found }
            }
            return nil
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
