import CArgon2
import Foundation
import SNDSModel
import Testing

@testable import Pseudonymisation

struct PseudonymiserTests {
    static let cheap = PseudonymParameters(iterations: 1, memoryKiB: 64, lanes: 1, salt: Array(repeating: 7, count: 16))

    static func sampleInputs(_ count: Int) -> [PseudonymInput] {
        (0..<count).map { i in
            let nir = NIR(sexDigit: 1 + i % 2, birthYear: 1950 + i % 60, birthMonth: 1 + i % 12, birthPlace: "75056", order: 1 + i % 999)
            return .beneficiary(
                ouvreur: nir, birthDate: CalendarDate(year: 1990 + i % 30, month: 1 + i % 12, day: 1 + i % 28)!,
                sex: i % 3 == 0 ? .male : .female)
        }
    }

    @Test func pseudonymsHaveSNDSShapeAndAreStable() throws {
        let key = SecretKey.random()
        let hasher = try Pseudonymiser(key: key, parameters: Self.cheap)
        let inputs = Self.sampleInputs(200)
        let first = try hasher.pseudonyms(of: inputs, threads: 2)
        let second = try inputs.map { try hasher.pseudonym(of: $0) }
        #expect(first == second)
        #expect(first.allSatisfy(PseudonymEncoding.isWellFormed))
        #expect(Set(first).count == first.count)
    }

    @Test func withoutTheKeyNoPseudonymCanBeComputed() throws {
        let inputs = Self.sampleInputs(100)
        let real = try Pseudonymiser(key: .random(), parameters: Self.cheap).pseudonyms(of: inputs)
        // Another key, or argon2id with the same salt and cost but no secret, finds none of them.
        let otherKey = try Pseudonymiser(key: .random(), parameters: Self.cheap).pseudonyms(of: inputs)
        #expect(Set(real).isDisjoint(with: otherKey))
        let salt = Self.cheap.salt
        for (input, pseudonym) in zip(inputs, real) {
            var raw = [UInt8](repeating: 0, count: 16)
            let code = input.bytes.withUnsafeBytes { pwd in
                argon2id_hash_raw(1, 64, 1, pwd.baseAddress, pwd.count, salt, salt.count, &raw, raw.count)
            }
            #expect(code == ARGON2_OK.rawValue)
            #expect(raw.withUnsafeBytes { PseudonymEncoding.encode($0) } != pseudonym)
        }
    }

    @Test func theSaltSeparatesProjects() throws {
        let key = SecretKey.random()
        let inputs = Self.sampleInputs(50)
        var other = Self.cheap
        other.saltHex = String(repeating: "08", count: 16)
        let a = try Pseudonymiser(key: key, parameters: Self.cheap).pseudonyms(of: inputs)
        let b = try Pseudonymiser(key: key, parameters: other).pseudonyms(of: inputs)
        #expect(Set(a).isDisjoint(with: b))
    }

    @Test func theOuvreursNIRNotTheBeneficiarysIsHashed() throws {
        let parent = NIR(sexDigit: 2, birthYear: 1980, birthMonth: 4, birthPlace: "69123", order: 12)
        let child = NIR(sexDigit: 1, birthYear: 2012, birthMonth: 9, birthPlace: "69123", order: 40)
        let birth = CalendarDate(year: 2012, month: 9, day: 3)!
        #expect(
            PseudonymInput.beneficiary(ouvreur: parent, birthDate: birth, sex: .male).bytes
                == Array("2800469123012201209031".utf8))
        #expect(
            PseudonymInput.beneficiary(ouvreur: parent, birthDate: birth, sex: .male)
                != PseudonymInput.beneficiary(ouvreur: child, birthDate: birth, sex: .male))
        #expect(PseudonymInput.individual(child).bytes.count == 13)
    }

    @Test(arguments: [
        (0, 1024, 1), (1, 4, 1), (1, 1024, 0), (65, 1024, 1),
    ])
    func impossibleParametersAreRefused(iterations: Int, memory: Int, lanes: Int) {
        let parameters = PseudonymParameters(iterations: iterations, memoryKiB: memory, lanes: lanes, salt: Array(repeating: 1, count: 16))
        #expect(throws: PseudonymisationError.self) { try Pseudonymiser(key: .random(), parameters: parameters) }
    }

    @Test func theEncodingKeepsTheFirst85Bits() {
        let zeros = [UInt8](repeating: 0, count: 16)
        #expect(zeros.withUnsafeBytes { PseudonymEncoding.encode($0) } == String(repeating: "0", count: 17))
        let ones = [UInt8](repeating: 0xFF, count: 16)
        #expect(ones.withUnsafeBytes { PseudonymEncoding.encode($0) } == String(repeating: "Z", count: 17))
        var first = zeros
        first[0] = 0b1000_0100  // 10000 → "G", then 100.. → "G"…
        #expect(first.withUnsafeBytes { PseudonymEncoding.encode($0) }.prefix(2) == "GG")
        var beyond = zeros
        beyond[10] = 0b0000_0111  // bits 85–87 are dropped
        #expect(beyond.withUnsafeBytes { PseudonymEncoding.encode($0) } == String(repeating: "0", count: 17))
    }
}
