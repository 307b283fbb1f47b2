import Foundation
import SNDSModel
import Testing

@testable import Synthesis

struct CareModelTests {
    @Test func theShippedCareModelLoads() throws {
        let model = try CareModel.load(from: ReferenceData.locate())
        #expect(model.ageBands.count == 11)
        #expect(model.acuteDrugs.lines[1] != nil)
        #expect(model.endOfLife.placeOutsideHospital[1] != nil)
    }
}

struct CareCodesTests {
    @Test func everyCodeOfTheShippedModelIsInItsNomenclature() throws {
        let reference = try ReferenceData.locate()
        try CareCodes(reference: reference).validate(CareModel.load(from: reference))
    }
}

/// A damaged care model is refused at load time, with the place of the defect.
struct CareModelValidationTests {
    /// A copy of the reference data whose care model is edited by `edit`.
    static func load(editing edit: (String) -> String) throws -> (CareModel, CareCodes) {
        let source = try ReferenceData.locate()
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("reference-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(at: source.root, to: copy)
        let file = copy.appendingPathComponent(CareModel.file)
        try edit(String(contentsOf: file, encoding: .utf8)).write(to: file, atomically: true, encoding: .utf8)
        let reference = try ReferenceData(root: copy)
        let model = try CareModel.load(from: reference)
        let codes = try CareCodes(reference: reference)
        try codes.validate(model)
        _ = try ActCatalogue(reference: reference, codes: codes, model: model)
        return (model, codes)
    }

    @Test(arguments: [
        ("dp: {I214: 4, I219: 2, I210: 2, I211: 2}", "dp: {I999: 4, I219: 2, I210: 2, I211: 2}", "I999 is not in MS_CIM_V"),
        ("{code: DDAF008, share: 0.7}", "{code: ZZZZ999, share: 0.7}", "ZZZZ999 is not in IR_CCAM_V63"),
        ("{atc: A10BA02, share: 0.8,", "{atc: A10XX99, share: 0.8,", "A10XX99 is not in openmedic_ATC5"),
        ("visits: [{service: gp, per_year: 2}]", "visits: [{service: nobody, per_year: 2}]", "unknown service nobody"),
        ("    ghm: 05K06", "    ghm: 5K6", "not a GHM root"),
        ("both: [2800, 250, 0, 0, 0, 0, 0, 0, 0, 0, 0]", "both: [2800, 250, 0]", "one per age band"),
        ("becomes: coronary_heart_disease", "becomes: gout", "unknown condition gout"),
        ("  public_share: 0.68", "  public_share: 6.8", "births.public_share: 6.8 is not a share"),
        // The grouping rules of issue 21: a disease is not grouped 23M20, a surgical GHM has its
        // act, a terminal diagnosis has its GHM; rhythms and drug rates are named where they are used.
        ("E86: {weight: 2, ghm: 10M13}", "E86: 2", "E86 is a disease, not a symptom or a reason for contact"),
        ("    procedure: {AHPA009: 1}", "", "GHM 01C13 is surgical or interventional"),
        ("    J189: 04M05\n", "", "no GHM root for J189"),
        ("    rhythm: laboratory", "    rhythm: never", "unknown rhythm never"),
        ("rates: {R06A: 30,", "rates: {R06A: 20,", "needs its pharmacy nature"),
        // Town billing: ALD numbers, NABM acts in force, a tariff for every act, dated amounts.
        ("    ald: 22\n", "    ald: 77\n", "77 is not in IR_ALD_V"),
        ("{code: 1804, weight: 14}", "{code: 548, weight: 14}", "548 is not in IR_BIO_R"),
        ("{code: NFQK001, weight: 8,", "{code: NFQK002, weight: 8,", "NFQK002, an act of the care model, has no tariff"),
        ("{from: 2024-05-15, amount: 2.0}", "{from: 2004-05-15, amount: 2.0}", "cost_sharing.participation.amounts"),
    ])
    func aDefectIsNamed(original: String, replacement: String, message: String) throws {
        do {
            _ = try Self.load { text in
                #expect(text.contains(original), "the fixture no longer contains \(original)")
                return text.replacingOccurrences(of: original, with: replacement)
            }
            Issue.record("a care model with \(replacement) was accepted")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }
}
