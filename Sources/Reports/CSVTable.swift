import Foundation

/// A table written as RFC 4180 CSV: a header row, then one line per row; cells containing a
/// comma, quote or line break are quoted (quotes doubled). Every row has the header's width.
public struct CSVTable: Sendable {
    public var columns: [String]
    public private(set) var rows: [[String]] = []

    public init(columns: [String]) { self.columns = columns }

    /// Appends a row; its cells in column order (count must match the header).
    public mutating func append(_ row: [String]) {
        precondition(row.count == columns.count, "a CSV row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    /// Appends a row given by column name; missing columns are empty, unknown names an error.
    public mutating func append(_ cells: [String: String]) {
        precondition(cells.keys.allSatisfy(columns.contains), "unknown CSV column in \(cells.keys.sorted())")
        rows.append(columns.map { cells[$0] ?? "" })
    }

    public var text: String {
        ([columns] + rows).map { $0.map(Self.escape).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    public func write(to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public static func escape(_ cell: String) -> String {
        guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A Markdown table (GitHub flavour): header, separator, rows; `|` in cells is escaped.
public struct MarkdownTable: Sendable {
    public var columns: [String]
    public var rows: [[String]] = []
    /// Right-align these columns (numbers).
    public var rightAligned: Set<Int> = []

    public init(columns: [String], rightAligned: Set<Int> = []) {
        self.columns = columns
        self.rightAligned = rightAligned
    }

    public mutating func append(_ row: [String]) {
        precondition(row.count == columns.count, "a table row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    public var text: String {
        func line(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
        }
        let separator = "|" + columns.indices.map { rightAligned.contains($0) ? "---:" : "---" }.joined(separator: "|") + "|"
        return ([line(columns), separator] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
