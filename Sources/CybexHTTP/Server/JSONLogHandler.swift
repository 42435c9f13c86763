import CybexCore
import CybexFormats
import Foundation
public import Logging

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
        // The time is formatted by hand and the line written with one write(2): a Foundation date
        // formatter made per line and a `FileHandle` write cost as much as a small request itself.
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
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // standard error is gone: a log line is not worth failing for
                }
            }
        }
    }
}
