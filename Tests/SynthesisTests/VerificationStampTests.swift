import Foundation
import GRDB
import Pseudonymisation
import SNDSStore
import TestSupport
import Testing

/// A linkage reads the claims it extracts, so an edited claim must be refused; the digests of every
/// table are computed once per state of the database file (``VerificationStamp``), and any write
/// into it makes the next reader digest everything again.
struct VerificationStampTests {
    @Test func anEditedClaimIsFoundAfterAStampedVerification() throws {
        let dataset = try GeneratedDataset.make(size: 300, seed: 9, key: SecretKey.random())
        let files = dataset.files
        // Generation stamps the database it verified by construction (file systems with
        // nanosecond change times: the test's /tmp).
        #expect(FileManager.default.fileExists(atPath: files.verification.path), "generate wrote no verification stamp")
        #expect(throws: Never.self) { try DatasetVerifier.verifyForReading(files) }

        // A claim edited with the row count kept: the stamp no longer describes the file.
        let queue = try DatabaseQueue(path: files.database.path)
        try queue.write { db in try db.execute(sql: "UPDATE ER_PRS_F SET PRS_ACT_QTE = PRS_ACT_QTE + 1 WHERE rowid = 1") }
        try queue.close()
        #expect {
            try DatasetVerifier.verifyForReading(files)
        } throws: { error in
            "\(error)".contains("table ER_PRS_F was changed since generation (same")
        }
        // Still refused the next time: a failed verification records nothing.
        #expect(throws: StoreError.self) { try DatasetVerifier.verifyForReading(files) }

        // A stamp copied from another state of the file (its change time) does not hold either.
        let undo = try DatabaseQueue(path: files.database.path)
        try undo.write { db in try db.execute(sql: "UPDATE ER_PRS_F SET PRS_ACT_QTE = PRS_ACT_QTE - 1 WHERE rowid = 1") }
        try undo.close()
        #expect(throws: Never.self) { try DatasetVerifier.verifyForReading(files) }
        let stamp = try Data(contentsOf: files.verification)
        try FileManager.default.removeItem(at: files.verification)
        let again = try DatabaseQueue(path: files.database.path)
        try again.write { db in try db.execute(sql: "UPDATE ER_PHA_F SET PHA_ACT_QSN = PHA_ACT_QSN + 1 WHERE rowid = 1") }
        try again.close()
        try stamp.write(to: files.verification)
        #expect { try DatasetVerifier.verifyForReading(files) } throws: { "\($0)".contains("table ER_PHA_F was changed") }
    }
}
