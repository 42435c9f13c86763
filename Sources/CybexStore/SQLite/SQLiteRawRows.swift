import CybexCore
import GRDB
import GRDBSQLite

/// The rows of a prepared statement, read with SQLite's column functions: unlike GRDB's `Row`
/// cursor it makes no row object and no table of column names per read, which cost a point read
/// more than its query (`RowCursor.init` was 4 % of a TAXII read by id). Each `next()` answers the
/// statement positioned on its next row.
final class SQLiteRawRows: DatabaseCursor {
    typealias Element = SQLiteStatement
    let _statement: Statement
    var _isDone = false

    init(_ statement: Statement, arguments: StatementArguments) throws {
        _statement = statement
        try statement.setArguments(arguments)
    }

    deinit { sqlite3_reset(_statement.sqliteStatement) }

    func _element(sqliteStatement: SQLiteStatement) -> SQLiteStatement { sqliteStatement }

    /// The first row made into a value, or nil when there is none.
    static func first<T>(
        _ statement: Statement, arguments: StatementArguments, _ make: (SQLiteStatement) throws -> T
    ) throws -> T? {
        let rows = try SQLiteRawRows(statement, arguments: arguments)
        return try rows.next().map(make)
    }

    /// Every row made into a value.
    static func all<T>(
        _ statement: Statement, arguments: StatementArguments = [], _ make: (SQLiteStatement) throws -> T
    ) throws -> [T] {
        let rows = try SQLiteRawRows(statement, arguments: arguments)
        var values: [T] = []
        while let row = try rows.next() { values.append(try make(row)) }
        return values
    }
}

extension SQLiteStore {
    /// Text column `index` of the current row; nil for NULL.
    static func optionalText(_ statement: SQLiteStatement, _ index: Int32) -> String? {
        sqlite3_column_type(statement, index) == SQLITE_NULL ? nil : text(statement, index)
    }

    /// A user from the current row of ``userColumns``.
    static func userRow(_ row: SQLiteStatement) -> User {
        User(
            id: text(row, 0), username: text(row, 1), organisationID: text(row, 2), role: Role(rawValue: text(row, 3)) ?? .reader,
            passwordHash: text(row, 4), disabled: sqlite3_column_int64(row, 5) != 0, createdAt: sqlite3_column_int64(row, 6))
    }

    /// An organisation from the current row of ``organisationColumns``.
    static func organisationRow(_ row: SQLiteStatement) -> Organisation {
        Organisation(
            id: text(row, 0), name: text(row, 1), createdAt: sqlite3_column_int64(row, 2), parentID: optionalText(row, 3),
            defaultTLP: optionalText(row, 4).flatMap(TLPLevel.init(rawValue:)))
    }
}
