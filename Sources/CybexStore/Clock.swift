import Foundation
import Synchronization

/// Wall-clock time in the store's unit, microseconds since the epoch. Code that decides by time
/// (job leases, retention) takes a `WallClock` so that tests can set the time; everything else
/// reads ``SystemWallClock/nowMicroseconds()``.
public protocol WallClock: Sendable {
    /// The current time, microseconds since the epoch.
    func nowMicroseconds() -> Int64
}

/// The system's clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public func nowMicroseconds() -> Int64 { Self.nowMicroseconds() }

    /// The system's current time, microseconds since the epoch.
    public static func nowMicroseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
    }
}

/// A clock that stands still until it is set or advanced: for tests.
///
/// ```swift
/// let clock = SettableWallClock(1_000_000)
/// clock.advance(by: .seconds(60))
/// ```
public final class SettableWallClock: WallClock {
    private let now: Mutex<Int64>

    public init(_ microseconds: Int64 = SystemWallClock.nowMicroseconds()) {
        now = Mutex(microseconds)
    }

    public func nowMicroseconds() -> Int64 { now.withLock { $0 } }

    /// Sets the time to `microseconds` since the epoch.
    public func set(_ microseconds: Int64) { now.withLock { $0 = microseconds } }

    /// Moves the time on by `duration`.
    public func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        now.withLock { $0 += seconds * 1_000_000 + attoseconds / 1_000_000_000_000 }
    }
}
