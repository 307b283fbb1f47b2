import SNDSModel

extension CareModel {
    /// Daily allowances (indemnités journalières) of people in work on sick leave: paid from the
    /// fourth day (three waiting days), one DCIR line per leave of nature 6111 (leaves up to three
    /// months) or 6112 (longer), its dates the days paid, its quantity their number, its unit
    /// price the daily allowance (half the daily wage, capped), prescribed by the person's doctor.
    public struct SickLeave: Decodable, Sendable {
        /// Share of people in work (salaried, covered for daily allowances), by age band.
        public let employedShare: AgeSexRates
        /// Leaves per year in work, whatever their length (those within the waiting days are not paid).
        public let perYear: Double
        public let length: Duration
        /// Share of the people in work off work after a stay of `afterStayFromDays` days or more.
        public let afterStayShare: Double
        public let afterStayFromDays: Int
        public let afterStayLength: Duration
        public let waitingDays: Int
        /// The daily allowance's range in euros (it depends on the wage, up to the legal cap).
        public let dailyAllowance: [Double]
        public let nature: Int
        public let longNature: Int

        enum CodingKeys: String, CodingKey {
            case employedShare = "employed_share", perYear = "per_year", length, waitingDays = "waiting_days"
            case afterStayShare = "after_stay_share", afterStayFromDays = "after_stay_from_days", afterStayLength = "after_stay_length"
            case dailyAllowance = "daily_allowance", nature, longNature = "long_nature"
        }
    }
}
