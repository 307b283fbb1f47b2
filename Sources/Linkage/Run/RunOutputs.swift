/// What a run writes beyond its linkage, for the tools its users open: how its CSV files are
/// written, and what its extraction holds and in which forms. The same for every kind of run.
public struct RunOutputs: Sendable {
    /// Encoding and decimal mark of results.csv, rejects.csv, review.csv, candidates.csv and the
    /// extraction's CSV files.
    public var csvFormat = CSVFormat.standard
    /// The tables and years extracted: a protocol's perimeter.
    public var extractionScope = ExtractionScope.everything
    /// Beside extraction.sqlite: the tables as CSV files (on by default) and as Parquet files (when
    /// a writer is given).
    public var extractionCSV = true
    public var parquet: ParquetExtraction?

    public init() {}
}
