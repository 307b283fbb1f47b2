import Foundation
import GRDB
import Linkage
import SNDSModel
import TestSupport
import Testing

/// The rules files: the shipped ones read, every mistake named with its place, and the two
/// normalisations (Swift for the cohort, SQL for the SNDS) agreeing value by value.
@Suite struct IndirectRulesTests {
    static var reference: ReferenceData { GeneratedDataset.reference.data }

    @Test(arguments: ["default", "infarctus", "cancer"])
    func theShippedRulesRead(name: String) throws {
        let url = IndirectFixture.checkout.appendingPathComponent("rules/\(name).yml")
        let rules = try IndirectRules.load(url, reference: Self.reference)
        #expect(rules.criteria.count >= 6)
        #expect(rules.strategy.successThreshold == 0.90)
        #expect(rules.sha256.count == 64)
        #expect(rules.events == .mcoStays)
    }

    static let base = """
        version: 1
        events: {source: mco_stays}
        criteria:
          - {column: SEXE, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}
          - {column: DATE_ENTREE, source: T_MCOaaC.EXE_SOI_DTD, normalise: date, compare: {within_days: 2}}
          - {column: DIAGNOSTIC, source: T_MCOaaB.DGN_PAL, normalise: icd10, compare: {prefix: 3}}
        """

    @Test func aMinimalFileGetsTheDefaults() throws {
        let rules = try IndirectRules.parse(Self.base, path: "r.yml", reference: Self.reference)
        #expect(rules.idColumn == "NS")
        #expect(rules.strategy.maxDropped == 1)
        #expect(rules.strategy.dropOrder == .auto)
        #expect(rules.strategy.maxMissing == 1)
        #expect(rules.criteria[1].comparison == .withinDays(2))
        #expect(rules.criteria[2].comparison == .prefix(3))
        #expect(rules.strategy.minLinkProbability == IndirectRules.defaultMinLinkProbability)
        #expect(!rules.strategy.minLinkProbabilityGiven)
        #expect(rules.strategy.weightedGroup)
        let strict = try IndirectRules.parse(Self.base + "\nstrategy: {weighted_group: false}\n", path: "r.yml", reference: Self.reference)
        #expect(!strict.strategy.weightedGroup)
    }

    @Test(arguments: [("0", 0.0), ("0.95", 0.95), ("0.5", 0.5)])
    func theGuardIsReadAndMarkedAsGiven(text: String, value: Double) throws {
        let rules = try IndirectRules.parse(Self.base + "\nstrategy: {min_link_probability: \(text)}\n", path: "r.yml", reference: Self.reference)
        #expect(rules.strategy.minLinkProbability == value)
        #expect(rules.strategy.minLinkProbabilityGiven)
    }

    /// Each mistake, and what the message must say.
    @Test(arguments: [
        ("version: 1\nevents: {source: mco_stays}\ncriteria: []\ncolour: red\n", "unknown key 'colour'"),
        ("version: 2\nevents: {source: mco_stays}\ncriteria: []\n", "version 2 is not supported"),
        ("version: 1\nevents: {source: dcir}\ncriteria: []\n", "unknown event source 'dcir'"),
        ("version: 1\nevents: {source: mco_stays}\ncriteria: []\n", "give at least one criterion"),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: ER_PRS_F.BEN_SEX_COD, normalise: sex}\n",
            "the table ER_PRS_F is not available"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.NOPE, normalise: sex}\n",
            "the table IR_BEN_R has no column NOPE"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD, normalise: soundex}\n",
            "unknown normalisation 'soundex'"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_NAI_ANN, normalise: integer, compare: {within_days: 2}}\n",
            "within_days compares dates"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: T_MCOaaC.EXE_SOI_DTD, normalise: date, compare: {within_days: 5000}}\n",
            "5000 is out of range"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: T_MCOaaC.EXE_SOI_DTD, normalise: date, compare: fuzzy}\n",
            "unknown comparison 'fuzzy'"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\n  - {column: x, source: IR_BEN_R.BEN_NAI_ANN, normalise: integer}\n",
            "the column X is given twice"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\nstrategy: {drop_order: [Y]}\n",
            "Y is not a criterion's column"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\n  - {column: Y, source: IR_BEN_R.BEN_NAI_ANN, normalise: integer, keep: true}\nstrategy: {max_dropped: 1, drop_order: [Y]}\n",
            "Y is marked keep"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\nstrategy: {success_threshold: 1.5}\n",
            "expected a share above 0 and at most 1"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\nstrategy: {min_link_probability: 1}\n",
            "expected a probability from 0 (no guard) to below 1"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\nstrategy: {min_link_probability: -0.1}\n",
            "expected a probability from 0 (no guard) to below 1"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\nstrategy: {min_link_probability: high}\n",
            "strategy.min_link_probability"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\nstrategy: {weighted_group: maybe}\n",
            "strategy.weighted_group"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\nstrategy: {max_missing: two}\n",
            "strategy.max_missing"
        ),
        ("version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD}\n", "missing key 'normalise'"),
        ("version: 1\nevents: {source: mco_stays\n", "not valid YAML"),
        ("", "the file is empty"),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, aliases: [SUBJECT], source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\n",
            "the name SUBJECT is used by two columns"
        ),
    ])
    func aMistakeIsNamed(yaml: String, message: String) {
        #expect {
            _ = try IndirectRules.parse(yaml, path: "bad.yml", reference: Self.reference)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("bad.yml") && text.contains(message)
        }
    }

    @Test func anAliasBombIsRefusedNotExpanded() {
        var yaml = "version: 1\nevents: {source: mco_stays}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<9 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        yaml += "criteria: *a8\n"
        #expect(throws: RulesError.self) { _ = try IndirectRules.parse(yaml, path: "bomb.yml", reference: Self.reference) }
    }

    /// The same bomb as a key: Yams hashes keys while composing (its duplicate-key check), following
    /// aliases, and hung there for good before the reader saw a node. Found while writing the rules
    /// fuzzer (scripts/fuzz, which keeps it as a seed); refused now from libyaml's events, at once.
    @Test func anAliasBombAsAKeyIsRefusedBeforeYamsHashesIt() {
        var yaml = "version: 1\nevents: {source: mco_stays}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<9 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        yaml += "? *a8\n: 1\ncriteria: []\n"
        let started = ContinuousClock.now
        #expect {
            _ = try IndirectRules.parse(yaml, path: "bomb.yml", reference: Self.reference)
        } throws: { error in
            "\(error)".contains("the file's keys expand to too many values")
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    /// Yams reads `1:0:…` as a base-60 number and its multiplication overflowed from twelve parts
    /// on: a trap that killed the process. Found while writing the rules fuzzer (scripts/fuzz, which
    /// keeps it as a seed); a whole number with ':' is refused as not one.
    @Test(arguments: ["version: 1:0:0:0:0:0:0:0:0:0:0:0", "version: 1:30"])
    func aBase60NumberIsRefusedNotOverflowed(version: String) {
        let yaml = "\(version)\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\n"
        #expect {
            _ = try IndirectRules.parse(yaml, path: "bad.yml", reference: Self.reference)
        } throws: { error in
            "\(error)".contains("line 1: \(version.dropFirst(9)) is a base-60 number in YAML")
        }
    }

    /// YAML 1.1 numbers not written as decimals are read silently by Yams (`0:0.9` as 0.9, `0x1`
    /// as 1, `017` as 15): refused wherever they are, with their line; quoted, they are text.
    @Test(arguments: [
        ("  success_threshold: 0:0.9", "0:0.9 is a base-60 number"),
        ("  max_dropped: 0x1", "0x1 is not a plain decimal number"),
        ("  max_dropped: 0b1", "0b1 is not a plain decimal number"),
        ("  max_dropped: 1_0", "1_0 is not a plain decimal number"),
        ("  max_dropped: 01", "01 has a leading zero, which YAML 1.1 reads as an octal number"),
        ("  success_threshold: .inf", ".inf is not a plain decimal number"),
    ])
    func aNumberNotWrittenAsADecimalIsRefused(line: String, message: String) {
        let yaml =
            "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\nstrategy:\n\(line)\n"
        #expect {
            _ = try IndirectRules.parse(yaml, path: "bad.yml", reference: Self.reference)
        } throws: { error in
            "\(error)".contains("line 6: \(message)")
        }
        // The same values as plain decimals are read.
        let plain = yaml.replacingOccurrences(of: line, with: "  max_dropped: 0\n  success_threshold: 0.9")
        #expect(throws: Never.self) { _ = try IndirectRules.parse(plain, path: "good.yml", reference: Self.reference) }
    }

    /// A prefix of `events.where` is a code: unquoted, `null`, `yes`, `75.0` or `1` are read by YAML
    /// as something else and filtered silently (`1` matched départements 10–19); refused.
    @Test(arguments: [("null", "missing value"), ("yes", "yes/no value"), ("75.0", "number"), ("1", "number")])
    func aPrefixYAMLReadsAsNoCodeIsRefused(value: String, kind: String) {
        let yaml =
            "version: 1\nevents:\n  source: mco_stays\n  where:\n    T_MCOaaB.BDI_DEP: [\(value)]\ncriteria:\n  - {column: SEXE, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\n"
        #expect {
            _ = try IndirectRules.parse(yaml, path: "bad.yml", reference: Self.reference)
        } throws: { error in
            "\(error)".contains("line 5 (events.where.T_MCOaaB.BDI_DEP[0]): \(value) is read by YAML as a \(kind), not a code")
        }
        let quoted = yaml.replacingOccurrences(of: "[\(value)]", with: "['\(value)']")
        #expect(throws: Never.self) { _ = try IndirectRules.parse(quoted, path: "good.yml", reference: Self.reference) }
    }

    /// A key quoted from the file is shown on one line of plain text (a property the rules fuzzer
    /// checks, scripts/fuzz): its line break and escape sequence come out escaped.
    @Test func anUnknownKeyIsShownOnOneLine() {
        let yaml = "version: 1\n\"col\\nour\\e[31m\": blue\nevents: {source: mco_stays}\ncriteria: []\n"
        #expect {
            _ = try IndirectRules.parse(yaml, path: "bad.yml", reference: Self.reference)
        } throws: { error in
            let text = "\(error)"
            return text.contains("unknown key 'col\\nour\\u{1B}[31m'") && !text.contains("\n") && !text.contains("\u{1B}")
        }
    }

    /// A YAML syntax error keeps libyaml's reason, what it was reading and the line, on one line
    /// (Yams' own description starts with the context and puts the reason and a quote of the file on
    /// the lines after: only "while scanning for the next token" was left).
    @Test(arguments: [
        (
            "version: 1\nevents:\n\tsource: mco_stays\n",
            "bad.yml line 3: not valid YAML at column 1: found character that cannot start any token (while scanning for the next token)"
        ),
        (
            "version: 1\nevents: {source: mco_stays}\nname: \"open\ncriteria: []\n",
            "bad.yml line 5: not valid YAML at column 1: found unexpected end of stream (while scanning a quoted scalar that starts at line 3, column 7)"
        ),
        ("version: 1\nversion: 2\nevents: {source: mco_stays}\ncriteria: []\n", "bad.yml line 1: the key 'version' is given twice"),
        (
            "version: 1\nevents: {source: mco_stays}\ncriteria: *nowhere\n",
            "bad.yml line 3: not valid YAML at column 11: found undefined alias: an alias (*name) refers to no anchor"
        ),
    ])
    func aYAMLErrorKeepsItsReasonAndLine(yaml: String, message: String) {
        #expect {
            _ = try IndirectRules.parse(yaml, path: "bad.yml", reference: Self.reference)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix(message) && !text.contains("\n")
        }
    }

    /// Values that expand, aliases followed, past 10,000 nodes are refused before the reader walks
    /// them, wherever they are (YAMLInput: the guard noise profiles share).
    @Test func aBillionLaughsIsRefusedWherever() {
        var yaml = "version: 1\nevents: {source: mco_stays}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<9 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        #expect {
            _ = try IndirectRules.parse(yaml + "criteria: []\n", path: "bomb.yml", reference: Self.reference)
        } throws: { error in
            "\(error)" == "bomb.yml: the file expands to too many values (aliases?): not a rules file"
        }
    }

    /// With a single criterion, max_missing defaults to 0: the default stays within what a file may
    /// give (0 to the criteria less one), so that rules written back read back (found by the rules
    /// fuzzer, scripts/fuzz).
    @Test func oneCriterionLeavesNoneMissing() throws {
        let yaml = "version: 1\nevents: {source: mco_stays}\ncriteria:\n  - {column: X, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\n"
        #expect(try IndirectRules.parse(yaml, path: "r.yml", reference: Self.reference).strategy.maxMissing == 0)
    }

    @Test func tooManyConfigurationsAreRefused() {
        var yaml = "version: 1\nevents: {source: mco_stays}\ncriteria:\n"
        for i in 0..<20 { yaml += "  - {column: C\(i), source: IR_BEN_R.BEN_SEX_COD, normalise: sex}\n" }
        yaml += "strategy: {max_dropped: 5}\n"
        #expect { _ = try IndirectRules.parse(yaml, path: "big.yml", reference: Self.reference) } throws: { "\($0)".contains("configurations") }
    }

    /// Cohort layouts read in Swift, SNDS codings normalised in SQL: the same value either way.
    @Test(arguments: [
        (IndirectRules.Normalisation.date, ["2023-03-01", "01/03/2023", "20230301", "01.03.2023"], "2023-03-01 00:00:00"),
        (.icd10, ["I21.4", "i214", "I 21.4"], "I214"),
        (.departement, ["75", "075", " 75 "], "75"),
        (.departement, ["2A", "20", "02B"], "2A"),
        (.departement, ["971", "97"], "97"),
        (.departement, ["1", "01", "001"], "01"),
        (.finess, ["010000024", "10000024"], "10000024"),
        (.finess, ["2A0000123", "200000123"], "200000123"),
        (.sex, ["1", "M", "h"], "1"),
        (.sex, ["2", "F", "f"], "2"),
        (.integer, ["03", "3"], "03"),
        (.month, ["03", "3"], "03"),
        (.year, ["1983"], "1983"),
        (.text, ["abc", " ABC ", "aBc"], "ABC"),
        (.text, ["é"], "é"),
        (.scheme, ["01", "1", "01C770648"], "01C770648"),
    ])
    func bothSidesNormaliseAlike(normalisation: IndirectRules.Normalisation, cohortValues: [String], snds: String) throws {
        let db = try DatabaseQueue()
        let sndsSide = try db.read {
            try DatabaseValue.fetchOne(
                $0, sql: "SELECT " + CriterionValues.sql("x", normalisation, .exact) + " FROM (SELECT ? AS x)", arguments: [snds])
        }
        for raw in cohortValues {
            guard case .value(let canonical, _) = CriterionValues.read(raw, as: normalisation) else {
                Issue.record("\(raw) not read as \(normalisation)")
                continue
            }
            let cohortSide = try db.read {
                try DatabaseValue.fetchOne(
                    $0, sql: "SELECT " + CriterionValues.sql("x", normalisation, .exact) + " FROM (SELECT ? AS x)", arguments: [canonical])
            }
            #expect(cohortSide == sndsSide, "\(raw) → \(canonical) → \(String(describing: cohortSide)) vs \(snds) → \(String(describing: sndsSide))")
            #expect(cohortSide != nil && cohortSide != .null)
        }
    }

    /// A FINESS compared at the legal entity: a site's number becomes its entity's (from the
    /// establishment referential), the entity's own number and a number no site has stay as they are,
    /// written the cohort's way or the SNDS's.
    @Test func aFINESSIsComparedAtItsLegalEntity() throws {
        let db = try DatabaseQueue()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE BE_IDE_R (IDE_ETA_NUM TEXT, IDE_GES_NUM TEXT)")
            try db.execute(sql: "INSERT INTO BE_IDE_R VALUES ('750000028', '750000010'), ('060000011', '060000003')")
            try CriterionValues.prepare(db)
            try CriterionValues.prepare(db)  // idempotent
        }
        let (mapped, rows) = try db.write { db -> ([String: String?], Int?) in
            var mapped: [String: String?] = [:]
            for raw in ["750000028", "750000010", "60000011", "330000001"] {
                guard case .value(let c, _) = CriterionValues.read(raw, as: .finessEntity) else { continue }
                mapped[raw] = try String.fetchOne(
                    db, sql: "SELECT " + CriterionValues.sql("x", .finessEntity, .exact) + " FROM (SELECT ? AS x)",
                    arguments: [c])
            }
            return (mapped, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM temp.finess_entity"))
        }
        #expect(mapped["750000028"] == "750000010")  // a site: its entity
        #expect(mapped["750000010"] == "750000010")  // the entity itself
        #expect(mapped["60000011"] == "060000003")  // a site that lost its leading zero
        #expect(mapped["330000001"] == "330000001")  // no site of the referential
        #expect(rows == 2)
    }

    @Test(arguments: [
        (IndirectRules.Normalisation.date, "31/02/2024"), (.date, "2024-13-01"), (.icd10, "12"), (.departement, "99"),
        (.departement, "ABC"), (.finess, "12345"), (.sex, "X"), (.integer, "1e3"), (.scheme, "RG"), (.month, "13"),
        (.month, "0"), (.year, "23"), (.year, "1700"),
    ])
    func garbageIsInvalidNotGuessed(normalisation: IndirectRules.Normalisation, raw: String) {
        guard case .invalid = CriterionValues.read(raw, as: normalisation) else {
            Issue.record("\(raw) was read as \(normalisation)")
            return
        }
    }
}
