import CybexEngine
import CybexStore
import Foundation
import Logging
import ServiceLifecycle

extension StoreOptions {
    var dataDirectory: String {
        data ?? ProcessInfo.processInfo.environment["CYBEX_DATA"] ?? "./cybex-data"
    }

    var databaseURL: String? {
        database ?? ProcessInfo.processInfo.environment["CYBEX_DATABASE_URL"]
    }

    /// Opens and migrates the store, runs `body` with the Engine over it (every command's one door),
    /// and closes the store whatever happens.
    func withEngine<T>(logger: Logger = CLILogger.make(), _ body: (Engine) async throws -> T) async throws -> T {
        try await withStore(logger: logger) { store in try await body(Engine(store: store)) }
    }

    /// Opens and migrates the store, runs `body`, and closes the store whatever happens.
    func withStore<T>(logger: Logger = CLILogger.make(), _ body: (any Store) async throws -> T) async throws -> T {
        let store: any Store
        do {
            let location = try StoreLocation(dataDirectory: dataDirectory, databaseURL: databaseURL)
            store = try await location.open(logger: logger)
            try await store.migrate()
        } catch let error as StoreError {
            throw CommandFailure(message: error.message)
        }
        do {
            let result = try await body(store)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }
}

extension StoreOptions {
    /// Opens the (migrated) store for `cybex serve`, runs `body` with it and with what must run in
    /// the server's ServiceGroup for it to answer (PostgreSQL's pool; nil for SQLite), and closes it.
    func withServingStore<T>(
        logger: Logger, _ body: (any Store, (any Service)?) async throws -> T
    ) async throws -> T {
        let store: any Store
        let service: (any Service)?
        do {
            let location = try StoreLocation(dataDirectory: dataDirectory, databaseURL: databaseURL)
            (store, service) = try await location.openWithService(logger: logger)
        } catch let error as StoreError {
            throw CommandFailure(message: error.message)
        }
        do {
            let result = try await body(store, service)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }
}

enum CLILogger {
    static func make(level: Logger.Level = .warning) -> Logger {
        var logger = Logger(label: "cybex") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = level
        return logger
    }
}
