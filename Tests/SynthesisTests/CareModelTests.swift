import Testing
import SNDSModel
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
