/// Seconds per stage of a run (rounded to the millisecond), as summary.json reports them.
public struct StageTimings: Sendable {
    public private(set) var seconds: [String: Double] = [:]

    mutating func lap(_ name: String, since start: ContinuousClock.Instant) {
        let d = ContinuousClock.now - start
        seconds[name] = (Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18).rounded(toPlaces: 3)
    }
}
