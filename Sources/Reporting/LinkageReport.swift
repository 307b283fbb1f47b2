import Foundation
import Linkage
import SNDSModel

/// Everything a linkage report says, once: the JSON twin is this value encoded, and the HTML is
/// drawn from this value only, so the two cannot disagree.
///
/// Every count of people in it has already been through the small-cell rule (``SmallCellRule``):
/// nothing downstream sees a raw small count. Shares are given only where their count is shown.
public struct LinkageReport: Codable, Sendable, Equatable {
    public static let jsonFile = "report.json"
    public static let htmlFile = "report.html"

    public var tool = "appariement"
    public var toolVersion = AppariementVersion.current
    public var createdAt: String
    /// Language of the HTML's labels (the JSON's keys are language-free).
    public var language: String
    public var smallCellThreshold: Int
    /// Who the report is for (what the small-cell rule hides); nil in reports made before: public.
    public var audience: ReportBuilder.Audience?
    public var run: RunInfo
    public var outcome: Outcome
    /// Submitted → rejected → accepted → group 1 → … → found → not linked.
    public var funnel: [Stage]
    /// Indirect runs: per group.
    public var groups: [GroupRow]?
    public var configurations: [ConfigurationRow]?
    public var discriminance: [DiscriminanceRow]?
    public var confidence: Confidence?
    /// What the same registry would give on a larger SNDS (estimates from the run's model, not
    /// counts of people).
    public var projection: ProjectionSummary?
    public var rejections: [ReasonRow]
    /// Why accepted lines were not linked: exclusions (indirect), not found or ambiguous (direct).
    public var exclusions: [ReasonRow]
    public var quality: [QualityRow]
    public var bias: Bias
    public var evaluation: EvaluationSection?
    /// One patient under several NS: both modes link every line that names the person (the lines
    /// flag each other in results.csv), and the report lists them to be checked.
    public var severalNS: SeveralNS?
    /// A cascade's two steps (an indirect run made `--from-direct`): the rest of the report is the
    /// indirect step's, over the lines passed on.
    public var cascade: Cascade?
    public var provenance: Provenance

    public struct RunInfo: Codable, Sendable, Equatable {
        public var kind: RunKind
        public var folder: String
        public var createdAt: String
    }

    public struct Outcome: Codable, Sendable, Equatable {
        public var submitted: Int
        public var found: Cell
        public var foundRate: Double?
        /// When the count found is hidden (fewer than the threshold not linked): the bounds of the
        /// rate the marks shown already imply.
        public var foundRateRange: [Double]?
        /// The success threshold: the rules' for an indirect run; for a direct run only when one was
        /// asked (`report --threshold`), since the CNAM's ≥ 90 % rule is stated for indirect linkage.
        public var threshold: Double?
        /// `success` when found / submitted ≥ threshold; nil without a threshold.
        public var verdict: Verdict?
    }

    public struct Stage: Codable, Sendable, Equatable {
        /// submitted, rejected, accepted, group_N, found, not_linked.
        public var key: String
        public var group: Int?
        public var count: Cell
        /// count / submitted.
        public var rate: Double?
    }

    public struct GroupRow: Codable, Sendable, Equatable {
        public var group: Int
        /// Criteria dropped in this group's configurations.
        public var dropped: Int
        public var configurations: Int
        /// Criteria left out by at least one of the group's configurations (empty for group 1).
        public var criteriaDropped: [String]
        public var linked: Cell
        public var rate: Double?
        public var cumulative: Cell
        public var cumulativeRate: Double?
        /// The run's own estimate of the group's wrong links; nil when the group's count is hidden
        /// or the run has no match model.
        public var expectedWrong: ConfidenceSummary.Estimate?
        /// The `weighted` group, apart from the CNAM groups.
        public var weighted: Bool?
    }

    /// How sure the links are, from the run's match model (indirect runs made with one).
    public struct Confidence: Codable, Sendable, Equatable {
        public var method: String
        /// Expected wrong among all accepted links (nil when the count of links is hidden).
        public var expectedWrong: ConfidenceSummary.Estimate?
        public var minLinkProbability: Double
        public var minLinkProbabilityIsDefault: Bool
        /// What the guard took out, and how many of those the model expected wrong.
        public var weakExpectedWrong: ConfidenceSummary.Estimate?
    }

    public struct ConfigurationRow: Codable, Sendable, Equatable {
        public var id: Int
        public var group: Int
        public var kept: [String]
        public var dropped: [String]
        /// Share of the SNDS's candidate events unique on this combination (not people of the cohort).
        public var uniqueShare: Double
        public var linesMatched: Cell
        public var linked: Cell
        /// SNDS persons the configuration's joins matched, over the lines tried in it (at least
        /// one per line matched), and the events expected to agree with those lines by chance.
        public var candidates: Cell?
        public var expectedByChance: Double?
        /// Its links' expected wrong; nil when its count of links is hidden.
        public var expectedWrong: ConfidenceSummary.Estimate?
    }

    public struct DiscriminanceRow: Codable, Sendable, Equatable {
        public var column: String
        public var entropyBits: Double
        public var effectiveBits: Double
        public var distinctValues: Int
        public var uniqueShare: Double
        public var missingShare: Double
        /// 1 for the first criterion dropped, nil for one never dropped.
        public var dropRank: Int?
    }

    public struct ReasonRow: Codable, Sendable, Equatable {
        public var reason: String
        public var count: Cell
        public var rate: Double?
    }

    public struct QualityRow: Codable, Sendable, Equatable {
        public var column: String
        public var missing: Cell
        public var missingShare: Double?
        public var reformatted: Cell
        public var reformattedShare: Double?
        public var invalid: Cell
        public var invalidShare: Double?
        public var rejected: Cell
        public var rejectedShare: Double?
    }

    public struct Bias: Codable, Sendable, Equatable {
        public var referenceYear: Int
        public var departementColumn: String?
        /// found / submitted, to read each category's rate against.
        public var overallLinkedRate: Double?
        public var sex: [BiasRow]
        public var ageBand: [BiasRow]
        /// By département when no region table was at hand (reports made before: always).
        public var departement: [BiasRow]
        /// By region (INSEE codes, `DOM` for overseas départements given as `97`): rates by
        /// département are noise at most cohorts' sizes.
        public var region: [BiasRow]?
    }

    public struct BiasRow: Codable, Sendable, Equatable {
        /// The category's code (`1`, `40-59`, `75`…), `unknown`, or `other` for the categories
        /// too small to show, merged.
        public var category: String
        /// For `other`: the categories merged into it.
        public var members: [String]?
        public var lines: Cell
        public var linked: Cell
        public var notLinked: Cell
        public var linkedRate: Double?
        /// When the rate is hidden: the bounds the marks shown already imply (a row of 180 lines
        /// with fewer than 10 not linked is linked at 94.4 % to 99.4 %), so the bias check keeps
        /// its use without giving anything away.
        public var linkedRateRange: [Double]?
        /// The rate's 95 % confidence interval (Wilson), when the rate is shown: a category whose
        /// interval leaves out the overall rate is linked differently (`differs`: below or above),
        /// beyond what chance gives a category of its size — the funnel plot's reading, in a table.
        public var linkedRateInterval: [Double]?
        public var differs: Differs?
    }

    public enum Differs: String, Codable, Sendable { case below, above }

    public struct EvaluationSection: Codable, Sendable, Equatable {
        public var truth: String
        public var lines: Int
        public var linked: Cell
        public var correct: Cell
        public var wrong: Cell
        public var precision: Double?
        public var recall: Double?
        /// The funnel's found rate: hidden with its count.
        public var foundRate: Double?
        public var findableFoundRate: Double?
        public var groups: [EvaluationGroup]
        /// The links made to the wrong person, by NS (never an identifier).
        public var wrongLinks: [WrongLink]
    }

    public struct EvaluationGroup: Codable, Sendable, Equatable {
        public var group: Int
        public var linked: Cell
        public var correct: Cell
        public var wrong: Cell
        public var precision: Double?
        public var cumulativeRecall: Double?
    }

    public struct WrongLink: Codable, Sendable, Equatable {
        public var ns: String
        public var line: Int
        public var group: Int?
    }

    /// Both steps of a cascade and the whole cohort's result; counts under the small-cell rule, tied
    /// to the funnel (the lines passed on are this report's submitted, found in all = found
    /// directly + found here).
    public struct Cascade: Codable, Sendable, Equatable {
        /// The direct run's folder name.
        public var directRun: String
        public var submitted: Int
        public var foundDirectly: Cell
        public var passedOn: Int
        public var foundInAll: Cell
        public var foundInAllRate: Double?
        public var threshold: Double
        /// The whole cohort's verdict against the rules' threshold.
        public var verdict: Verdict
        /// With a truth: precision and recall over the whole cohort (both steps).
        public var precision: Double?
        public var recall: Double?
    }

    /// The people linked on several lines, by line number. Line numbers of the reader's own file,
    /// which results.csv flags one by one: shown as they are (hiding their count would hide nothing
    /// the reader does not already get line by line). Never an NS or a person.
    public struct SeveralNS: Codable, Sendable, Equatable {
        public static let listed = 50
        public var people: Int
        public var lines: Int
        /// The lines of each person, for the first ``listed`` people (by first line).
        public var linesOfPeople: [[Int]]
        public init(_ groups: [[Int]]) {
            people = groups.count
            lines = groups.reduce(0) { $0 + $1.count }
            linesOfPeople = Array(groups.prefix(Self.listed))
        }
    }

    public struct Provenance: Codable, Sendable, Equatable {
        /// The version that made the run (the report's own is `toolVersion`).
        public var runToolVersion: String
        public var runCreatedAt: String
        public var cohort: CohortSource
        public var dataset: DatasetSource
        public var rules: IndirectSummary.RulesSource?
        public var candidates: IndirectSummary.Candidates?
        /// The run's settings and figures that shape its result, as text.
        public var parameters: [String: String]
    }
}

extension Double {
    /// Four decimals: enough for every share the report shows, stable in JSON.
    var reportRounded: Double { (self * 10_000).rounded() / 10_000 }
}
