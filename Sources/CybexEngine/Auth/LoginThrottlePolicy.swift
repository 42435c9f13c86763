public import CybexStore

/// When failed sign-ins lock an account or a client address out (SECURITY.md, "Login
/// throttling"). Every number of the policy is here; ``Authenticator`` applies it and the store
/// keeps the counters (``AuthFailureCounter``), shared by every server process on the database.
///
/// A key's failures are counted until it has been quiet (no failure, no lockout running) for
/// `windowSeconds`; then counting starts again. From the `threshold`-th failure on, each failure
/// locks the key out for `baseLockoutSeconds` doubled once per failure beyond the threshold, at
/// most `maxLockoutSeconds`. With the defaults: the 5th failure of an account in 15 minutes locks
/// it for 1 minute, the 6th for 2, the 7th for 4, … up to 1 hour.
public struct LoginThrottlePolicy: Sendable, Hashable {
    /// Failures of one account (by username, known or not) that start a lockout.
    public var accountThreshold: Int
    /// Failures from one client address (any account, any token) that start a lockout.
    public var addressThreshold: Int
    /// How long a key must be quiet before its failures are forgotten.
    public var windowSeconds: Int64
    /// The first lockout; each further failure doubles it.
    public var baseLockoutSeconds: Int64
    /// The longest lockout.
    public var maxLockoutSeconds: Int64

    public init(
        accountThreshold: Int = 5, addressThreshold: Int = 20, windowSeconds: Int64 = 15 * 60,
        baseLockoutSeconds: Int64 = 60, maxLockoutSeconds: Int64 = 60 * 60
    ) {
        self.accountThreshold = accountThreshold
        self.addressThreshold = addressThreshold
        self.windowSeconds = windowSeconds
        self.baseLockoutSeconds = baseLockoutSeconds
        self.maxLockoutSeconds = maxLockoutSeconds
    }

    /// The defaults above.
    public static let standard = LoginThrottlePolicy()

    /// The counter key of an account. Long names are hashed, so that a key stays short.
    public static func accountKey(_ username: String) -> String {
        username.utf8.count <= 200 ? "account:\(username)" : "account:sha256:\(Secrets.sha256Hex(username))"
    }

    /// The counter key of a client address (the TCP peer's IP address).
    public static func addressKey(_ address: String) -> String { "address:\(address)" }

    /// The threshold that applies to `key`.
    public func threshold(for key: String) -> Int {
        key.hasPrefix("address:") ? addressThreshold : accountThreshold
    }

    /// `counter` after one more failure at `now` (microseconds).
    public func recordingFailure(_ counter: AuthFailureCounter?, key: String, at now: Int64) -> AuthFailureCounter {
        let window = windowSeconds * 1_000_000
        var next = AuthFailureCounter(key: key, failures: 0, windowStart: now, lastFailure: now)
        if let counter, now - max(counter.lastFailure, counter.blockedUntil ?? .min) < window {
            next = counter
        }
        next.failures += 1
        next.lastFailure = now
        let threshold = threshold(for: key)
        if next.failures >= threshold {
            let doublings = min(next.failures - threshold, 32)
            let (doubled, overflow) = baseLockoutSeconds.multipliedReportingOverflow(by: 1 << doublings)
            let lockout = overflow ? maxLockoutSeconds : min(doubled, maxLockoutSeconds)
            next.blockedUntil = now + max(lockout, 0) * 1_000_000
        }
        return next
    }

    /// Whole seconds until the latest lockout among `counters` ends, nil when none is running at `now`.
    public func retryAfter(_ counters: [AuthFailureCounter], at now: Int64) -> Int64? {
        let until = counters.compactMap(\.blockedUntil).filter { $0 > now }.max()
        return until.map { ($0 - now + 999_999) / 1_000_000 }
    }
}
