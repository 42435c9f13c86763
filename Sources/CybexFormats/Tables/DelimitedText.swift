/// Records of delimited text — CSV as RFC 4180 writes it (fields in double quotes may hold the
/// delimiter, line breaks and `""` for a quote), tab- and pipe-separated tables — read from bytes
/// with bounds: a record longer than ``Limits/maxRecordBytes`` or with more than
/// ``Limits/maxFields`` fields is refused with its line number, so hostile input costs linear time
/// and bounded memory. Lines that are empty (or hold only white space) are skipped; so are lines
/// starting with `#` when ``Limits/comments`` is set. A UTF-8 byte order mark is ignored.
public struct DelimitedText: Sequence {
    public struct Limits: Sendable {
        public var maxRecordBytes = 65_536
        public var maxFields = 256
        /// Whether `#` at the start of a line makes it a comment.
        public var comments = true
        /// Whether double quotes quote fields (CSV); when not, a quote is an ordinary character.
        public var quotes = true

        public init() {}
    }

    /// One record: its fields and the line it starts on (1-based).
    public struct Record: Sendable, Hashable {
        public var fields: [String]
        public var line: Int
    }

    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    let bytes: [UInt8]
    let delimiter: UInt8
    let limits: Limits

    public init(_ bytes: [UInt8], delimiter: UInt8 = UInt8(ascii: ","), limits: Limits = Limits()) {
        self.bytes = bytes
        self.delimiter = delimiter
        self.limits = limits
    }

    /// Every record, or the first error.
    public func records() throws(ReadError) -> [Record] {
        var iterator = makeIterator()
        var result: [Record] = []
        while let record = try iterator.nextRecord() { result.append(record) }
        return result
    }

    public func makeIterator() -> Iterator { Iterator(self) }

    /// Reads records one at a time; ``nextRecord()`` throws where `next()` (for `for … in`) stops.
    public struct Iterator: IteratorProtocol {
        let text: DelimitedText
        var index = 0
        var line = 1
        public private(set) var error: ReadError?

        init(_ text: DelimitedText) {
            self.text = text
            if text.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        }

        public mutating func next() -> Record? {
            do {
                return try nextRecord()
            } catch {
                self.error = error
                return nil
            }
        }

        public mutating func nextRecord() throws(ReadError) -> Record? {
            let bytes = text.bytes
            while index < bytes.count {
                let start = index
                let startLine = line
                // A comment or blank line is skipped whole.
                if text.limits.comments, bytes[index] == UInt8(ascii: "#") {
                    skipLine()
                    continue
                }
                var fields: [String] = []
                var field: [UInt8] = []
                var quoted = false
                var wasQuoted = false
                var ended = false
                while index < bytes.count, !ended {
                    let byte = bytes[index]
                    if index - start > text.limits.maxRecordBytes {
                        throw ReadError(line: startLine, message: "a record longer than \(text.limits.maxRecordBytes) bytes")
                    }
                    if quoted {
                        if byte == UInt8(ascii: "\"") {
                            if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                                field.append(byte)
                                index += 2
                                continue
                            }
                            quoted = false
                            index += 1
                            continue
                        }
                        if byte == UInt8(ascii: "\n") { line += 1 }
                        field.append(byte)
                        index += 1
                        continue
                    }
                    switch byte {
                    case UInt8(ascii: "\"") where text.limits.quotes && field.isEmpty && !wasQuoted:
                        quoted = true
                        wasQuoted = true
                        index += 1
                    case text.delimiter:
                        try append(&fields, field, line: startLine)
                        field.removeAll(keepingCapacity: true)
                        wasQuoted = false
                        index += 1
                    case UInt8(ascii: "\n"):
                        ended = true
                        index += 1
                        line += 1
                    case UInt8(ascii: "\r"):
                        index += 1
                    default:
                        if wasQuoted, byte != UInt8(ascii: " ") {
                            throw ReadError(line: line, message: "text after the closing quote of a field")
                        }
                        if !wasQuoted { field.append(byte) }
                        index += 1
                    }
                }
                if quoted { throw ReadError(line: startLine, message: "a quoted field is not closed") }
                try append(&fields, field, line: startLine)
                if fields.count == 1, fields[0].allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
                return Record(fields: fields, line: startLine)
            }
            return nil
        }

        mutating func skipLine() {
            while index < text.bytes.count, text.bytes[index] != UInt8(ascii: "\n") { index += 1 }
            index += 1
            line += 1
        }

        func append(_ fields: inout [String], _ field: [UInt8], line: Int) throws(ReadError) {
            guard fields.count < text.limits.maxFields else {
                throw ReadError(line: line, message: "more than \(text.limits.maxFields) fields")
            }
            guard let value = String(validating: field, as: UTF8.self) else {
                throw ReadError(line: line, message: "field \(fields.count + 1) is not UTF-8")
            }
            fields.append(value)
        }
    }
}
