import SNDSModel

extension CareModel {
    /// Transport prescribed for hospital care, billed in DCIR by the ambulance, VSL or taxi that
    /// drove the patient (a line of its nature, an ER_TRS_F row with the trip): the way home after a
    /// stay, more often the older the patient, and both ways for a share of chemotherapy sessions.
    public struct Transport: Decodable, Sendable {
        /// Share of stays (sessions excluded) followed by a transport home, by age band.
        public let stayShare: AgeSexRates
        /// Share of sessions with a transport there and back.
        public let sessionShare: Double
        public let modes: [TransportMode]
        /// Prices vary by distance: the tariff times a factor between 1 − spread and 1 + spread.
        public let tariffSpread: Double
        public let reimbursement: Int

        enum CodingKeys: String, CodingKey {
            case stayShare = "stay_share", sessionShare = "session_share", modes, tariffSpread = "tariff_spread", reimbursement
        }
    }

    /// An ambulance (4212), a VSL (4213) or a taxi (4214): its nature, the transporter's
    /// profession (IR_ACT_V 55 ambulancier, 56 taxi), a weight among trips and a typical price.
    public struct TransportMode: Decodable, Sendable {
        public let nature: Int
        public let activity: Int
        public let weight: Double
        public let tariff: Double
    }
}
