import Foundation
public import Logging
public import ServiceLifecycle

/// Where the store lives: a SQLite file in the data folder, or a PostgreSQL URL.
public enum StoreLocation: Sendable, Hashable {
    case sqlite(path: String)
    case postgres(url: String)

    /// The location for a data folder and an optional database URL (`postgres://…` or
    /// `postgresql://…`; absent means SQLite at `<data>/cybex.sqlite`).
    public init(dataDirectory: String, databaseURL: String?) throws {
        guard let url = databaseURL, !url.isEmpty else {
            self = .sqlite(path: (dataDirectory as NSString).appendingPathComponent("cybex.sqlite"))
            return
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(url: url)
        } else if url.hasPrefix("sqlite://") {
            self = .sqlite(path: String(url.dropFirst("sqlite://".count)))
        } else {
            throw StoreError(
                .invalidConfiguration, "unsupported database URL '\(Self.redacted(url))': use postgres://user:pass@host:port/db")
        }
    }

    /// The URL with any password replaced by `***`, for messages and logs.
    public static func redacted(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    /// Opens the store (creating the data folder for SQLite). Call ``Store/migrate()`` next.
    public func open(logger: Logger) async throws -> any Store {
        switch self {
        case .sqlite(let path):
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                do {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                } catch {
                    throw StoreError(
                        .invalidConfiguration, "cannot create the data folder \(folder): \(error.localizedDescription)")
                }
            }
            return try SQLiteStore(path: path)
        case .postgres(let url):
            return try await PostgresStore.connect(url: url, logger: logger)
        }
    }

    /// Opens the store for a process that runs a `ServiceGroup` (`cybex serve`): what needs to run
    /// in the background (PostgreSQL's connection pool; nothing for SQLite) is returned as a service
    /// for the group, which must run it for queries to be answered. Migrate before, with ``open(logger:)``.
    public func openWithService(logger: Logger) async throws -> (store: any Store, service: (any Service)?) {
        switch self {
        case .sqlite:
            return (try await open(logger: logger), nil)
        case .postgres(let url):
            let store = try await PostgresStore.connect(url: url, logger: logger, runsClient: false)
            return (store, store.clientService)
        }
    }
}
