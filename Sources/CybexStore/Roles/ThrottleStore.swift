/// The failed-authentication counters every server process shares (`…+Throttle.swift`).
public protocol ThrottleStore: Sendable {
    // MARK: Authentication throttling

    /// The failed-authentication counters stored under `keys`; keys without one are left out.
    func authFailureCounters(keys: [String]) async throws -> [AuthFailureCounter]
    /// Reads the counter stored under `key` (nil when there is none) and stores what `update`
    /// returns for it (nil: removes it), in one transaction. Updates of one key from several
    /// server processes take turns, so no failure is lost. Returns what was stored.
    @discardableResult
    func updateAuthFailureCounter(
        key: String, _ update: @escaping @Sendable (AuthFailureCounter?) -> AuthFailureCounter?
    ) async throws -> AuthFailureCounter?
    /// Removes the counters with no failure and no lockout at or after `time` (microseconds);
    /// returns how many were removed.
    @discardableResult
    func removeAuthFailureCounters(quietSince time: Int64) async throws -> Int
}
