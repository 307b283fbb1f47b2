import SNDSModel

/// Reads the codings hospitals and registries write sexes in (dates: ``DateLayouts``).
public enum IdentityFormats {
    /// A sex as 1/2, M/F (masculin/féminin), H/F (homme/femme), in any case.
    public static func sex(_ text: String) -> Sex? {
        switch text.uppercased() {
        case "1", "M", "H", "MASCULIN", "HOMME": .male
        case "2", "F", "FEMININ", "FÉMININ", "FEMME": .female
        default: nil
        }
    }
}
