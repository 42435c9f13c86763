/// A counter of failed authentications for one key, shared by every server process on the
/// database. Keys name what is counted: `account:<username>` or `address:<ip>`. What the numbers
/// mean (thresholds, windows, lockouts) is decided by the caller, not the store.
public struct AuthFailureCounter: Sendable, Hashable {
    public var key: String
    /// Failures counted since the counter (re)started.
    public var failures: Int
    /// When the first of these failures happened, microseconds.
    public var windowStart: Int64
    /// When the latest of them happened, microseconds.
    public var lastFailure: Int64
    /// Attempts are refused until this time (microseconds), if set.
    public var blockedUntil: Int64?

    public init(key: String, failures: Int, windowStart: Int64, lastFailure: Int64, blockedUntil: Int64? = nil) {
        self.key = key
        self.failures = failures
        self.windowStart = windowStart
        self.lastFailure = lastFailure
        self.blockedUntil = blockedUntil
    }
}
