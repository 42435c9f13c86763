import Foundation

/// Wall-clock time in the store's unit, microseconds since the epoch.
public enum Clock {
    public static func nowMicroseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
    }
}
