public import CybexCore
public import CybexStore
import Logging
public import ServiceLifecycle
import Synchronization

/// Writes the audit entries of reads (`objects.read`, TLP:AMBER and above) behind the response:
/// ``record(_:)`` queues an entry and returns at once; a background writer appends the queue, in
/// order and in batches (one transaction each), while requests go on. In `cybex serve` the writer
/// is this `Service`'s ``run()``, in the server's `ServiceGroup`: it writes what gathered every
/// 200 ms and, on graceful shutdown, everything left before it returns. Where the service does not
/// run (tools, tests), each burst of reads starts a task that writes it. ``flush()`` waits until
/// everything queued is written. Entries keep the time of the read. If the node crashes, entries
/// of the last few milliseconds may be lost (SECURITY.md); every other audit entry is written
/// before its request is answered.
public final class ReadAuditLog: Service, Sendable {
    let store: any Store
    let logger = Logger(label: "cybex.audit")
    private let state = Mutex(State())

    private struct State {
        var pending: [AuditEvent] = []
        /// A write is due or under way.
        var draining = false
        /// A writer is taking batches (one at a time, so that batches commit in order).
        var writing = false
        /// ``run()`` is the writer.
        var serviceRunning = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// The most entries one transaction writes.
    static let batchSize = 500
    /// How long entries gather before they are written.
    static let gathering = Duration.milliseconds(200)

    public init(store: any Store) {
        self.store = store
    }

    /// Queues `event`; a background task writes it.
    public func record(_ event: AuditEvent) {
        let start = state.withLock { state -> Bool in
            state.pending.append(event)
            guard !state.draining else { return false }
            state.draining = true
            return !state.serviceRunning
        }
        if start {
            Task {
                // Gather the reads of a moment into one transaction: every commit makes the readers
                // of the store drop their page caches, so a commit per read would slow reads down.
                try? await Task.sleep(for: Self.gathering)
                await drain()
            }
        }
    }

    /// Returns once every entry queued before the call is written (or could not be).
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                guard state.draining || !state.pending.isEmpty else { return true }
                state.waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    /// Writes what gathers every 200 ms until graceful shutdown, then everything left.
    public func run() async throws {
        state.withLock { $0.serviceRunning = true }
        while true {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.gathering) }
            } catch {
                break
            }
            if state.withLock({ $0.draining }) { await drain() }
        }
        // From now on record() starts its own writes again; write what is left.
        let due = state.withLock { state -> Bool in
            state.serviceRunning = false
            return state.draining
        }
        if due { await drain() }
    }

    private func drain() async {
        guard
            state.withLock({ state -> Bool in
                guard !state.writing else { return false }
                state.writing = true
                return true
            })
        else { return }
        while true {
            // Under one lock: take a batch, or, with nothing left, stop draining and release the waiters.
            let (batch, waiters) = state.withLock { state -> ([AuditEvent], [CheckedContinuation<Void, Never>]) in
                guard !state.pending.isEmpty else {
                    state.draining = false
                    state.writing = false
                    defer { state.waiters = [] }
                    return ([], state.waiters)
                }
                let batch = Array(state.pending.prefix(Self.batchSize))
                state.pending.removeFirst(batch.count)
                return (batch, [])
            }
            guard !batch.isEmpty else {
                for waiter in waiters { waiter.resume() }
                return
            }
            do {
                try await store.appendAudit(batch)
            } catch {
                // Kept for the next attempt, which the next read starts.
                logger.error("cannot write read audit entries", metadata: ["error": "\(error)", "entries": "\(batch.count)"])
                let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                    state.pending.insert(contentsOf: batch, at: 0)
                    state.draining = false
                    state.writing = false
                    defer { state.waiters = [] }
                    return state.waiters
                }
                for waiter in waiters { waiter.resume() }
                return
            }
        }
    }
}
