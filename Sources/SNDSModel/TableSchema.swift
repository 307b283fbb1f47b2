/// One SNDS table as described by the Health Data Hub's schema project (Table Schema JSON, shipped
/// under `synthetic/reference/schemas`).
///
/// The schema is the contract: the generator creates its SQLite tables from it and the conformance
/// tests check the generated rows against it, so column names, types and lengths cannot drift from
/// the official description.
public struct TableSchema: Sendable, Equatable, Decodable {
    public let name: String
    public let title: String?
    public let fields: [Field]
    public let primaryKey: [String]?
    public let foreignKeys: [ForeignKey]?

    public struct Field: Sendable, Equatable, Decodable {
        public let name: String
        public let description: String?
        public let type: FieldType
        /// The schema's `length`: `"17"`, `"10,2"` (precision, scale) or absent.
        public let length: String?
        public let format: String?
        /// `IR_SEX_V:SEX_COD`, `IR_NAT_V` or `-`.
        public let nomenclature: String?
        public let constraints: Constraints?
        /// In nomenclature tables: `code` for the column other tables refer to, `label` for its text.
        public let role: String?

        /// Maximum number of characters (strings, years, dates written compactly), or digits for
        /// integers; nil when the schema gives none.
        public var maxLength: Int? {
            if let m = constraints?.maxLength { return m }
            guard let length, let first = length.split(separator: ",").first else { return nil }
            return Int(first)
        }

        /// The nomenclature table and column the values must come from, when the schema names one.
        public var nomenclatureReference: (table: String, column: String?)? {
            guard let nomenclature, nomenclature != "-", !nomenclature.isEmpty else { return nil }
            let parts = nomenclature.split(separator: ":", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : nil)
        }

        public init(
            name: String, type: FieldType, length: String? = nil, format: String? = nil,
            nomenclature: String? = nil, constraints: Constraints? = nil, description: String? = nil,
            role: String? = nil
        ) {
            self.name = name
            self.role = role
            self.type = type
            self.length = length
            self.format = format
            self.nomenclature = nomenclature
            self.constraints = constraints
            self.description = description
        }
    }

    public enum FieldType: String, Sendable, Equatable, Decodable {
        case string, integer, number, date, datetime, year, yearmonth, boolean
    }

    public struct Constraints: Sendable, Equatable, Decodable {
        public let minLength: Int?
        public let maxLength: Int?
        public let minimum: Double?
        public let maximum: Double?
        public let unique: Bool?
        public let enumValues: [String]?

        enum CodingKeys: String, CodingKey {
            case minLength, maxLength, minimum, maximum, unique
            case enumValues = "enum"
        }

        public init(
            minLength: Int? = nil, maxLength: Int? = nil, minimum: Double? = nil,
            maximum: Double? = nil, unique: Bool? = nil, enumValues: [String]? = nil
        ) {
            self.minLength = minLength
            self.maxLength = maxLength
            self.minimum = minimum
            self.maximum = maximum
            self.unique = unique
            self.enumValues = enumValues
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            minLength = try c.decodeIfPresent(Int.self, forKey: .minLength)
            maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength)
            minimum = try c.decodeIfPresent(Double.self, forKey: .minimum)
            maximum = try c.decodeIfPresent(Double.self, forKey: .maximum)
            unique = try c.decodeIfPresent(Bool.self, forKey: .unique)
            // Enumerations are written as numbers or strings depending on the column.
            if let strings = try? c.decodeIfPresent([String].self, forKey: .enumValues) {
                enumValues = strings
            } else if let numbers = try? c.decodeIfPresent([Double].self, forKey: .enumValues) {
                enumValues = numbers.map { $0 == $0.rounded() ? String(Int($0)) : String($0) }
            } else {
                enumValues = nil
            }
        }
    }

    public struct ForeignKey: Sendable, Equatable, Decodable {
        public let fields: [String]
        public let reference: Reference
        public struct Reference: Sendable, Equatable, Decodable {
            public let resource: String
            public let fields: [String]
        }
    }

    public init(
        name: String, title: String? = nil, fields: [Field], primaryKey: [String]? = nil,
        foreignKeys: [ForeignKey]? = nil
    ) {
        self.name = name
        self.title = title
        self.fields = fields
        self.primaryKey = primaryKey
        self.foreignKeys = foreignKeys
    }

    enum CodingKeys: String, CodingKey { case name, title, fields, primaryKey, foreignKeys }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        title = try c.decodeIfPresent(String.self, forKey: .title)
        fields = try c.decode([Field].self, forKey: .fields)
        // `primaryKey` is a string or a list of strings in Table Schema.
        if let keys = try? c.decodeIfPresent([String].self, forKey: .primaryKey) {
            primaryKey = keys
        } else if let key = try? c.decodeIfPresent(String.self, forKey: .primaryKey) {
            primaryKey = [key]
        } else {
            primaryKey = nil
        }
        foreignKeys = try? c.decodeIfPresent([ForeignKey].self, forKey: .foreignKeys)
    }

    public func field(named name: String) -> Field? { fields.first { $0.name == name } }

    public var columnNames: [String] { fields.map(\.name) }

    /// The template a yearly PMSI table is described by: `T_MCO23C` → `T_MCOaaC`, `T_SSR24B` →
    /// `T_SSRaaB`, `T_HAD23D` → `T_HADaaD`; nil for any other table.
    public static func yearlyTemplate(of table: String) -> String? {
        let parts = Array(table.utf8)
        guard parts.count > 7, table.hasPrefix("T_MCO") || table.hasPrefix("T_SSR") || table.hasPrefix("T_HAD"),
            (48...57).contains(parts[5]), (48...57).contains(parts[6])
        else { return nil }
        return String(table.prefix(5)) + "aa" + table.dropFirst(7)
    }

    /// The schema of a yearly table (`T_MCOaaC`) for one year (`T_MCO23C`).
    public func forYear(_ year: Int) -> TableSchema {
        TableSchema(
            name: name.replacingOccurrences(of: "aa", with: pad(year % 100, 2)), title: title,
            fields: fields, primaryKey: primaryKey, foreignKeys: foreignKeys)
    }
}
