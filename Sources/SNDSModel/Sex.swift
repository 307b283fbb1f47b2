/// Sex as coded in SNDS (nomenclature IR_SEX_V) and in the first position of the NIR.
public enum Sex: Int, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case male = 1
    case female = 2

    /// The SNDS code, `1` or `2`.
    public var code: Int { rawValue }

    public var opposite: Sex { self == .male ? .female : .male }

    public var description: String { String(rawValue) }
}
