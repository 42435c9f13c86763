import Foundation
import GRDB
import Synchronization

/// Read-only connections for the small reads every request makes (who is signing in, the
/// collection and the sharing directory, an object by id), run on the calling thread.
///
/// A read through the pool hands the work to a reader's queue and resumes the caller when it is
/// done: two thread switches around a query of a few dozen microseconds, three times per read by
/// id. These connections are taken from a free list instead and used synchronously, each read in
/// its own deferred transaction (one snapshot for its statements). None is ever held across a
/// suspension, so a thread waits for nothing: when every connection is busy, ``take()`` answers
/// nil and the caller reads through the pool as before. Opened on first use, at most `limit`.
final class SQLitePointReaders: Sendable {
    let path: String
    let limit: Int

    private struct State {
        var free: [DatabaseQueue] = []
        var opened = 0
        var closed = false
    }
    private let state = Mutex(State())

    init(path: String, limit: Int) {
        self.path = path
        self.limit = limit
    }

    /// A free connection, opened if fewer than `limit` are; nil when all are busy, the store is
    /// closed, or one cannot be opened (the caller then reads through the pool).
    func take() -> DatabaseQueue? {
        let taken = state.withLock { state -> (queue: DatabaseQueue?, open: Bool) in
            if state.closed { return (nil, false) }
            if let queue = state.free.popLast() { return (queue, false) }
            guard state.opened < limit else { return (nil, false) }
            state.opened += 1
            return (nil, true)
        }
        if let queue = taken.queue { return queue }
        guard taken.open else { return nil }
        do {
            return try DatabaseQueue(path: path, configuration: Self.configuration)
        } catch {
            state.withLock { $0.opened -= 1 }
            return nil
        }
    }

    /// Gives back a connection taken with ``take()``.
    func give(back queue: DatabaseQueue) {
        let closed = state.withLock { state -> Bool in
            if !state.closed { state.free.append(queue) }
            return state.closed
        }
        if closed { try? queue.close() }
    }

    /// Closes the free connections; one in use is closed when it is given back.
    func close() {
        let free = state.withLock { state -> [DatabaseQueue] in
            state.closed = true
            defer { state.free = [] }
            return state.free
        }
        for queue in free { try? queue.close() }
    }

    /// Read-only; a small page cache (a point read touches a few pages of the indexes, and the
    /// operating system caches the file), the same busy timeout as the pool.
    static let configuration: Configuration = {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        configuration.label = "cybex.point-read"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -4096")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        return configuration
    }()
}

extension SQLiteStore {
    /// Runs `body` in one read transaction on a point-read connection, on the calling thread; through
    /// the pool when none is free. For reads of bounded cost only: the calling thread is a thread of
    /// the cooperative pool.
    func pointRead<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        guard let queue = pointReaders.take() else { return try await read(body) }
        defer { pointReaders.give(back: queue) }
        do {
            return try queue.inDatabase { db in
                try db.cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
                do {
                    let value = try body(db)
                    try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
                    return value
                } catch {
                    if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK TRANSACTION") }
                    throw error
                }
            }
        } catch let error as DatabaseError {
            throw StoreError(.backend, "SQLite: \(error.message ?? error.description)")
        }
    }
}
