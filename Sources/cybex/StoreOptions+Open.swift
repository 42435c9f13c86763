import CybexEngine
import CybexHTTP
import CybexStore
import Foundation
import Hummingbird
import Logging
import Prometheus
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

/// What `cybex serve` runs over the opened store: the services of its ServiceGroup in start order
/// (PostgreSQL's pool when there is one, the read-audit writer, the job runner, the HTTP server),
/// and the read-audit writer, to flush at the end.
struct ServingNode {
    var services: [any Service]
    var readAudit: ReadAuditLog
}

extension StoreOptions {
    /// Opens the store for `cybex serve` and builds its services over it: the server on
    /// `configuration`, and the job runner with the jobs `jobs` makes from the Engine.
    func withServingNode<T>(
        logger: Logger, configuration: ServerConfiguration, metrics: PrometheusCollectorRegistry,
        jobs: (Engine) -> [ScheduledJob], rid: RIDListener.Configuration? = nil, lease: Duration, tick: Duration,
        _ body: (ServingNode) async throws -> T
    ) async throws -> T {
        try await withServingStore(logger: logger) { store, storeService in
            // Reads of TLP:AMBER and above are audited behind the response; flushed before exit.
            let readAudit = ReadAuditLog(store: store)
            let app: any ApplicationProtocol
            var listeners: [any Service] = []
            do {
                app = try CybexServer.application(
                    configuration: configuration, store: store, logger: logger, metrics: metrics, readAudit: readAudit)
            } catch {
                throw CommandFailure(message: "cannot set up TLS: \(error)")
            }
            if let rid, let transport = configuration.ridTransport {
                let engine = Engine(store: store, readAudit: readAudit)
                let service = engine.rid(
                    nodeName: configuration.nodeName ?? "localhost", transport: transport, clock: configuration.clock,
                    logger: logger)
                do {
                    listeners.append(try RIDListener.application(configuration: rid, rid: service, logger: logger))
                } catch {
                    throw CommandFailure(message: "cannot set up the RID listener's TLS: \(error)")
                }
            }
            let runner = JobRunner(store: store, jobs: jobs(Engine(store: store)), lease: lease, tick: tick, logger: logger)
            return try await body(
                ServingNode(
                    services: (storeService.map { [$0] } ?? []) + [readAudit, runner, app] + listeners, readAudit: readAudit))
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
