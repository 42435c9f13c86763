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
        write(level: event.level, message: event.message.description, metadata: Self.metadata(metadata, with: event.metadata))
    }

    /// Writes one line with exactly `metadata` (the request log's way in, past swift-log's merging).
    func write(level: Logger.Level, message: String, metadata: Logger.Metadata) {
        // The time is formatted by hand: a Foundation date formatter made per line cost as much as
        // a small request itself.
        let now = Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
        LogSink.standardError.append(
            Self.line(time: now, level: level, label: label, message: message, metadata: metadata), now: level >= .notice)
    }

    /// The handler's metadata with an event's on top (the event's value wins for a key in both).
    static func metadata(_ handler: Logger.Metadata, with event: Logger.Metadata?) -> Logger.Metadata {
        guard let event, !event.isEmpty else { return handler }
        return handler.merging(event) { $1 }
    }

    /// One log line: time, level, label, message, then the metadata by key, each value as a string,
    /// and a line feed. Written straight into its bytes (no JSON tree): it is made once per request.
    static func line(
        time: Int64, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata
    ) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(contentsOf: #"{"time":""#.utf8)
        line.append(contentsOf: STIXTimestamp.format(microseconds: time, fractionDigits: 3).utf8)
        line.append(contentsOf: #"","level":""#.utf8)
        line.append(contentsOf: level.rawValue.utf8)
        line.append(contentsOf: #"","label":"#.utf8)
        JSONWriter.writeString(label, into: &line)
        line.append(contentsOf: #","message":"#.utf8)
        JSONWriter.writeString(message, into: &line)
        for key in metadata.keys.sorted() {
            line.append(UInt8(ascii: ","))
            JSONWriter.writeString(key, into: &line)
            line.append(UInt8(ascii: ":"))
            JSONWriter.writeString(metadata[key]!.description, into: &line)
        }
        line.append(contentsOf: "}\n".utf8)
        return line
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
