import CybexCore
import CybexFormats
import Foundation
import Glibc
public import Logging
import Synchronization

/// Structured logs: one JSON object per line on standard error, with time, level, label, message
/// and metadata, ready for a log collector.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // The time is formatted by hand: a Foundation date formatter made per line cost as much as
        // a small request itself.
        let now = Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
        var members: [(key: String, value: JSONValue)] = [
            ("time", .string(STIXTimestamp.format(microseconds: now, fractionDigits: 3))),
            ("level", .string(event.level.rawValue)),
            ("label", .string(label)),
            ("message", .string(event.message.description)),
        ]
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for key in merged.keys.sorted() { members.append((key, .string(merged[key]!.description))) }
        var line = JSONWriter.bytes(.object(members))
        line.append(0x0A)
        LogSink.standardError.append(line, now: event.level >= .notice)
    }

    /// Writes what the handlers gathered and has not written yet (at shutdown).
    public static func flush() { LogSink.standardError.flush() }
}

/// Log lines on their way to standard error. Lines below `notice` (the request log) are gathered
/// and written in one write(2) every 100 ms or every 64 KiB; a line at `notice` or above is written
/// at once, with everything before it. One write per request cost several percent of a small
/// request's throughput.
final class LogSink: Sendable {
    static let standardError = LogSink(descriptor: STDERR_FILENO)

    private let descriptor: Int32
    private let pending = Mutex<[UInt8]>([])
    private static let limit = 64 * 1024

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        // The thread that writes what waits; it lives as long as the process.
        Thread.detachNewThread { [self] in
            while true {
                usleep(100_000)
                flush()
            }
        }
    }

    func append(_ line: [UInt8], now: Bool) {
        pending.withLock { buffer in
            buffer.append(contentsOf: line)
            if now || buffer.count >= Self.limit { write(&buffer) }
        }
    }

    func flush() {
        pending.withLock { buffer in write(&buffer) }
    }

    /// Writes `buffer` whole (under the lock, so lines keep their order) and empties it.
    private func write(_ buffer: inout [UInt8]) {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // standard error is gone: a log line is not worth failing for
                }
            }
        }
        buffer.removeAll(keepingCapacity: buffer.count <= Self.limit * 2)
    }
}
