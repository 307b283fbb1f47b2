import Foundation
import Testing

@testable import SNDSModel

struct CalendarDateTests {
    /// Foundation's Gregorian calendar in UTC is the independent reference.
    @Test func dayCountsAgreeWithFoundation() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for days in stride(from: -60_000, through: 40_000, by: 37) {
            let date = CalendarDate(daysSinceEpoch: days)
            let reference = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86_400))
            #expect((date.year, date.month, date.day) == (reference.year!, reference.month!, reference.day!))
            #expect(date.daysSinceEpoch == days)
        }
    }

    @Test func invalidDaysAreRefused() {
        #expect(CalendarDate(year: 2023, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 1900, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2000, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 2023, month: 4, day: 31) == nil)
        #expect(CalendarDate(year: 2023, month: 13, day: 1) == nil)
        #expect(CalendarDate(iso: "2023-02-30") == nil)
        #expect(CalendarDate(iso: "2023-2-03") == nil)
        #expect(CalendarDate(compact: "20230230") == nil)
    }

    @Test func ageCountsCompletedYears() {
        let birth = CalendarDate(year: 2000, month: 3, day: 15)!
        #expect(birth.age(on: CalendarDate(year: 2018, month: 3, day: 14)!) == 17)
        #expect(birth.age(on: CalendarDate(year: 2018, month: 3, day: 15)!) == 18)
        let leap = CalendarDate(year: 2004, month: 2, day: 29)!
        #expect(leap.adding(years: 1) == CalendarDate(year: 2005, month: 2, day: 28)!)
        #expect(leap.iso == "2004-02-29" && leap.compact == "20040229")
        #expect(CalendarDate(iso: leap.iso) == leap && CalendarDate(compact: leap.compact) == leap)
    }
}

struct DepartementTests {
    @Test func theThreeWritingsOfADepartement() {
        #expect(Departement("75")?.referentialCode == "075")
        #expect(Departement("075") == Departement("75"))
        #expect(Departement("02A")?.code == "2A")
        #expect(Departement("2b")?.referentialCode == "02B")
        #expect(Departement("971")?.referentialCode == "971")
        #expect(Departement("971")?.isOverseas == true)
        #expect(Departement("20") == nil)  // Corsica has been 2A/2B since 1976
        #expect(Departement("96") == nil)
        #expect(Departement("975") == nil)
        #expect(Departement("7") == nil)
    }
}

struct ReferenceDataTests {
    @Test func theShippedIRBENRSchemaDescribesItsColumns() throws {
        let reference = try ReferenceData.locate()
        let schema = try reference.schema(named: "IR_BEN_R")
        #expect(schema.name == "IR_BEN_R")
        #expect(schema.field(named: "BEN_NIR_PSA")?.maxLength == 17)
        #expect(schema.field(named: "BEN_RNG_GEM")?.type == .integer)
        #expect(schema.field(named: "BEN_RES_DPT")?.nomenclatureReference?.table == "IR_DPT_V")
        #expect(schema.primaryKey == ["BEN_NIR_PSA", "BEN_RNG_GEM"])
    }

    @Test func aMissingSchemaIsNamed() throws {
        let reference = try ReferenceData.locate()
        #expect(throws: ReferenceDataError.missingFile("schemas/*/NO_SUCH_TABLE.json")) {
            try reference.schema(named: "NO_SUCH_TABLE")
        }
    }
}
