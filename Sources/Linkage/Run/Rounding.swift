import Foundation

extension Double {
    /// Rounded to `places` decimals, as summary.json reports rates and seconds (a rate of
    /// 0.912345678 is no more true than 0.9123, and the longer figure suggests it is).
    func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
