/// PMSI's chaining quality codes (T_MCOaaC): a stay is reliably chained to its NIR_ANO_17 only
/// when all of them are 0. Written by the generator, read by every query that follows a stay to
/// its person.
public enum PMSIChaining {
    public static let qualityCodes = ["NIR_RET", "NAI_RET", "SEX_RET", "SEJ_RET", "FHO_RET", "PMS_RET", "DAT_RET", "COH_NAI_RET", "COH_SEX_RET"]

    /// SQL conditions keeping reliably chained stays of the T_MCOaaC aliased `alias` (some codes
    /// are typed text, others integers: compared as integers).
    public static func reliableConditions(on alias: String) -> [String] {
        qualityCodes.map { "CAST(\(alias).\($0) AS INTEGER) = 0" }
    }
}
