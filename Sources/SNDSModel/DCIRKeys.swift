/// The nine keys that join a DCIR detail row (ER_PHA_F, ER_CAM_F, ER_ETE_F…) to its ER_PRS_F line.
public enum DCIRKeys {
    public static let columns = [
        "FLX_DIS_DTD", "FLX_TRT_DTD", "FLX_EMT_TYP", "FLX_EMT_NUM", "FLX_EMT_ORD",
        "ORG_CLE_NUM", "DCT_ORD_NUM", "PRS_ORD_NUM", "REM_TYP_AFF",
    ]

    /// The columns indexed for a join on the nine keys: DCT_ORD_NUM restarts per emitter and
    /// processing day, so it is indexed with both and the line number, which narrows a probe to a
    /// handful of rows, not every day's décompte 1.
    public static let indexColumns = ["DCT_ORD_NUM", "FLX_TRT_DTD", "FLX_EMT_NUM", "PRS_ORD_NUM"]

    /// An SQL join condition on the nine keys between two table aliases.
    public static func join(_ a: String, _ b: String) -> String {
        columns.map { "\(a).\($0) = \(b).\($0)" }.joined(separator: " AND ")
    }
}
