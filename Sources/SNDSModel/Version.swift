/// The version of appariement, recorded in every manifest, sealed file and report.
public enum AppariementVersion {
    public static let current = "0.1.0"
}
