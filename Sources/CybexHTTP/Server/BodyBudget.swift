import Synchronization

/// The memory that request bodies in flight may hold, server-wide and per user (``BodyBudgetPolicy``).
///
/// ```swift
/// let reservation = try await budget.reserve(cost, for: user.id)   // waits, or throws BodyBudgetError
/// defer { budget.release(reservation) }
/// ```
///
/// Waiting requests are admitted in arrival order, except that one waiting only for its own
/// user's share does not hold back the others. After large bodies, when nothing is reserved any
/// more, the C allocator's free pages are handed back to the system (``AllocatorTrim``).
public final class BodyBudget: Sendable {
    /// What one admitted request holds; give it back with ``release(_:)``.
    public struct Reservation: Sendable, Equatable {
        public let cost: Int
        public let user: String
    }

    /// Which share keeps a request out.
    enum Shortage {
        case server
        case user
    }

    struct Waiter {
        let id: UInt64
        let cost: Int
        let user: String
        let continuation: CheckedContinuation<Void, any Error>
    }

    struct State {
        var used = 0
        var usedByUser: [String: Int] = [:]
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        /// Waiters cancelled before they were queued.
        var cancelled: Set<UInt64> = []
        /// Bytes released since the allocator was last trimmed.
        var releasedSinceTrim = 0
    }

    public let policy: BodyBudgetPolicy
    private let state = Mutex(State())
    /// Released bytes after which an idle budget trims the allocator.
    static let trimAfterBytes = 16 << 20

    public init(policy: BodyBudgetPolicy = .standard) {
        self.policy = policy
    }

    /// Bytes reserved now, server-wide.
    public var reservedBytes: Int { state.withLock { $0.used } }

    /// Bytes reserved now by `user`.
    public func reservedBytes(of user: String) -> Int { state.withLock { $0.usedByUser[user, default: 0] } }

    /// Requests waiting for room now.
    public var waitingCount: Int { state.withLock { $0.waiters.count } }

    /// Reserves `cost` bytes for `user`, waiting up to the policy's `wait` for room; throws
    /// ``BodyBudgetError`` when there is none by then, `CancellationError` when the task is cancelled.
    public func reserve(_ cost: Int, for user: String) async throws -> Reservation {
        let cost = max(0, cost)
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        // Room now, and nobody queued ahead for the server's share: no waiting.
        let refusal: Shortage? = state.withLock { state in
            let queuedAhead = state.waiters.contains { shortage($0.cost, $0.user, state) == .server }
            guard !queuedAhead, shortage(cost, user, state) == nil else { return shortage(cost, user, state) ?? .server }
            Self.take(cost, user, &state)
            return nil
        }
        guard let refusal else { return Reservation(cost: cost, user: user) }
        if policy.wait <= .zero { throw refused(refusal) }
        let granted = await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await self.waitInQueue(id: id, cost: cost, user: user)) != nil }
            let wait = policy.wait
            group.addTask {
                try? await Task.sleep(for: wait)
                return false
            }
            var granted = await group.next() ?? false
            group.cancelAll()
            // The other child: a grant that raced the timeout still counts.
            while let result = await group.next() { granted = granted || result }
            return granted
        }
        state.withLock { _ = $0.cancelled.remove(id) }
        if granted { return Reservation(cost: cost, user: user) }
        try Task.checkCancellation()
        throw refused(state.withLock { shortage(cost, user, $0) } ?? .server)
    }

    /// Gives a reservation back and admits the waiting requests that now fit.
    public func release(_ reservation: Reservation) {
        let (admitted, trim) = state.withLock { state -> ([CheckedContinuation<Void, any Error>], Bool) in
            state.used -= reservation.cost
            let left = state.usedByUser[reservation.user, default: 0] - reservation.cost
            state.usedByUser[reservation.user] = left > 0 ? left : nil
            state.releasedSinceTrim += reservation.cost
            var trim = false
            if policy.trimsAllocator, state.used == 0, state.releasedSinceTrim >= Self.trimAfterBytes {
                state.releasedSinceTrim = 0
                trim = true
            }
            return (admit(&state), trim)
        }
        for continuation in admitted { continuation.resume() }
        if trim { AllocatorTrim.trim() }
    }

    // MARK: Internals

    func refused(_ shortage: Shortage) -> BodyBudgetError {
        BodyBudgetError(shortage == .user ? .userBusy : .serverBusy, retryAfterSeconds: policy.retryAfterSeconds)
    }

    /// Why `cost` for `user` does not fit now; nil when it does. A request costing more than a
    /// share fits when it is alone in it.
    func shortage(_ cost: Int, _ user: String, _ state: State) -> Shortage? {
        let userUsed = state.usedByUser[user, default: 0]
        if userUsed > 0, userUsed + cost > policy.perUserBytes { return .user }
        if state.used > 0, state.used + cost > policy.totalBytes { return .server }
        return nil
    }

    static func take(_ cost: Int, _ user: String, _ state: inout State) {
        state.used += cost
        state.usedByUser[user, default: 0] += cost
    }

    /// Admits waiters in order while they fit; one kept out by its user's share alone is skipped.
    func admit(_ state: inout State) -> [CheckedContinuation<Void, any Error>] {
        var admitted: [CheckedContinuation<Void, any Error>] = []
        var index = 0
        while index < state.waiters.count {
            let waiter = state.waiters[index]
            switch shortage(waiter.cost, waiter.user, state) {
            case nil:
                Self.take(waiter.cost, waiter.user, &state)
                admitted.append(waiter.continuation)
                state.waiters.remove(at: index)
            case .user?:
                index += 1
            case .server?:
                return admitted
            }
        }
        return admitted
    }

    /// Queues the request and returns once it is admitted; throws `CancellationError` when cancelled first.
    func waitInQueue(id: UInt64, cost: Int, user: String) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> (admitted: [CheckedContinuation<Void, any Error>], cancelled: Bool) in
                    if state.cancelled.remove(id) != nil { return ([], true) }
                    state.waiters.append(Waiter(id: id, cost: cost, user: user, continuation: continuation))
                    return (admit(&state), false)
                }
                if outcome.cancelled { continuation.resume(throwing: CancellationError()) }
                for admitted in outcome.admitted { admitted.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }
}
