import Foundation
import SNDSModel
import SNDSStore

/// The synthetic SNDS a run linked to, as its manifest describes it: a run's provenance, the same
/// for every kind of run.
public struct DatasetSource: Codable, Sendable, Equatable {
    public var database: String
    public var datasetId: String
    public var contentDigest: String
    public var keyFingerprint: String
    public var pseudonymisation: PseudonymParameters
    /// What the dataset's manifest says of how it was made, for the report's provenance.
    public var seed: UInt64
    public var beneficiaries: Int
    public var years: [Int]

    init(database: URL, manifest: DatasetManifest, keyFingerprint: String) {
        self.database = database.path
        datasetId = manifest.datasetId
        contentDigest = manifest.contentDigest
        self.keyFingerprint = keyFingerprint
        pseudonymisation = manifest.pseudonymisation
        seed = manifest.seed
        beneficiaries = manifest.beneficiariesRequested
        years = manifest.years
    }
}
