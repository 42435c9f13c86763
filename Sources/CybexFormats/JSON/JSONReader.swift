/// Limits that bound the work and memory a JSON document can demand of the reader.
public struct JSONLimits: Sendable {
    /// Deepest nesting of arrays and objects accepted.
    public var maxDepth: Int
    /// Longest string accepted, in bytes of input.
    public var maxStringBytes: Int
    /// Most values (of any kind) in one document.
    public var maxValues: Int

    public init(maxDepth: Int = 64, maxStringBytes: Int = 16 << 20, maxValues: Int = 50_000_000) {
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
        self.maxValues = maxValues
    }

    public static let `default` = JSONLimits()
}

/// Why a JSON document was refused, and where.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unexpectedEnd = "unexpected-end"
        case unexpectedCharacter = "unexpected-character"
        case invalidString = "invalid-string"
        case invalidNumber = "invalid-number"
        case invalidUTF8 = "invalid-utf8"
        case duplicateKey = "duplicate-key"
        case tooDeep = "too-deep"
        case tooLarge = "too-large"
        case trailingData = "trailing-data"
    }

    public var code: Code
    /// Byte offset in the input where the problem was found.
    public var offset: Int
    public var message: String

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// A top-level JSON object read with one of its array members kept apart as raw elements: the
/// shape of a STIX bundle and of a TAXII envelope, whose `objects` are stored as the bytes received.
public struct JSONObjectWithRawArray: Sendable {
    /// Every member but the captured array, in input order.
    public var members: [(key: String, value: JSONValue)]
    /// Whether the captured key was present (and an array).
    public var arrayPresent: Bool
    /// The elements of the captured array: their parsed value and their byte range in the input.
    public var elements: [(value: JSONValue, range: Range<Int>)]
}

/// As ``JSONObjectWithRawArray``, keeping only the byte ranges of the captured array's elements:
/// each element was read (and so is valid JSON within the limits) and shown to the caller once.
public struct JSONObjectWithRawRanges: Sendable {
    public var members: [(key: String, value: JSONValue)]
    public var arrayPresent: Bool
    public var ranges: [Range<Int>]
}

/// A strict RFC 8259 JSON reader over UTF-8 bytes, with limits on depth, string size and value count.
///
/// It rejects duplicate object keys, invalid UTF-8, unescaped control characters and trailing data.
public enum JSONReader {
    /// Reads one complete JSON document.
    public static func parse(_ bytes: some Sequence<UInt8>, limits: JSONLimits = .default) throws(JSONError) -> JSONValue {
        try withBytes(bytes) { (buffer: UnsafeBufferPointer<UInt8>) throws(JSONError) -> JSONValue in
            var scanner = JSONScanner(buffer: buffer, limits: limits)
            scanner.skipWhitespace()
            let value = try scanner.readValue(depth: 0)
            try scanner.expectEnd()
            return value
        }
    }

    /// Reads a document that must be an object, keeping the elements of the array member `arrayKey`
    /// with their byte ranges (for example `objects` of a STIX bundle).
    public static func parseObject(
        _ bytes: some Sequence<UInt8>, capturingArray arrayKey: String, limits: JSONLimits = .default
    ) throws(JSONError) -> JSONObjectWithRawArray {
        try withBytes(bytes) { (buffer: UnsafeBufferPointer<UInt8>) throws(JSONError) -> JSONObjectWithRawArray in
            var scanner = JSONScanner(buffer: buffer, limits: limits)
            scanner.skipWhitespace()
            var elements: [(value: JSONValue, range: Range<Int>)] = []
            var result = try scanner.readTopObject(capturing: arrayKey) { elements.append(($0, $1)) }
            try scanner.expectEnd()
            result.elements = elements
            return result
        }
    }

    /// As ``parseObject(_:capturingArray:limits:)``, but each element of the captured array is
    /// handed to `each` as it is read and then let go: only its byte range is kept. For documents
    /// too large to hold every element's value at once (a bundle of a million objects).
    /// With `elementKeys`, an element that is an object is handed over with those members only, the
    /// others checked as strictly and let go (``parse(_:keepingMembers:limits:)``).
    public static func scanObject(
        _ bytes: some Sequence<UInt8>, capturingArray arrayKey: String, keepingMembers elementKeys: Set<String>? = nil,
        limits: JSONLimits = .default, each: (JSONValue, Range<Int>) -> Void
    ) throws(JSONError) -> JSONObjectWithRawRanges {
        try withBytes(bytes) { (buffer: UnsafeBufferPointer<UInt8>) throws(JSONError) -> JSONObjectWithRawRanges in
            var scanner = JSONScanner(buffer: buffer, limits: limits)
            scanner.skipWhitespace()
            var ranges: [Range<Int>] = []
            let top = try scanner.readTopObject(capturing: arrayKey, keeping: elementKeys) { value, range in
                ranges.append(range)
                each(value, range)
            }
            try scanner.expectEnd()
            return JSONObjectWithRawRanges(members: top.members, arrayPresent: top.arrayPresent, ranges: ranges)
        }
    }

    static func withBytes<R>(
        _ bytes: some Sequence<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(JSONError) -> R
    ) throws(JSONError) -> R {
        do {
            if let result = try bytes.withContiguousStorageIfAvailable({ try body($0) }) { return result }
            return try Array(bytes).withUnsafeBufferPointer { try body($0) }
        } catch let error as JSONError {
            throw error
        } catch {
            // Only the body throws, and it throws JSONError; keep any other error a parse failure.
            throw JSONError(code: .unexpectedCharacter, offset: 0, message: String(describing: error))
        }
    }
}

struct JSONScanner {
    let buffer: UnsafeBufferPointer<UInt8>
    let limits: JSONLimits
    var index = 0
    var valueCount = 0

    init(buffer: UnsafeBufferPointer<UInt8>, limits: JSONLimits) {
        self.buffer = buffer
        self.limits = limits
    }

    func fail(_ code: JSONError.Code, _ message: String, at offset: Int? = nil) -> JSONError {
        JSONError(code: code, offset: offset ?? index, message: message)
    }

    mutating func skipWhitespace() {
        while index < buffer.count {
            switch buffer[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func expectEnd() throws(JSONError) {
        skipWhitespace()
        if index != buffer.count { throw fail(.trailingData, "data after the end of the document") }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(JSONError) {
        guard index < buffer.count else { throw fail(.unexpectedEnd, "expected \(what), found end of input") }
        guard buffer[index] == byte else { throw unexpected(expected: what) }
        index += 1
    }

    func unexpected(expected: String) -> JSONError {
        guard index < buffer.count else { return fail(.unexpectedEnd, "expected \(expected), found end of input") }
        let byte = buffer[index]
        let shown = (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
        return fail(.unexpectedCharacter, "expected \(expected), found \(shown)")
    }

    mutating func countValue() throws(JSONError) {
        valueCount += 1
        if valueCount > limits.maxValues {
            throw fail(.tooLarge, "more than \(limits.maxValues) values in one document")
        }
    }

    mutating func readValue(depth: Int) throws(JSONError) -> JSONValue {
        guard index < buffer.count else { throw fail(.unexpectedEnd, "expected a value, found end of input") }
        try countValue()
        switch buffer[index] {
        case UInt8(ascii: "{"):
            return try readObject(depth: depth + 1)
        case UInt8(ascii: "["):
            return try readArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "t"):
            try readLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try readLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try readLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try readNumber())
        default:
            throw unexpected(expected: "a value")
        }
    }

    mutating func readLiteral(_ literal: StaticString) throws(JSONError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= buffer.count else { throw fail(.unexpectedEnd, "truncated literal") }
        let start = literal.utf8Start
        for offset in 0..<count where buffer[index + offset] != start[offset] {
            throw fail(.unexpectedCharacter, "invalid literal", at: index + offset)
        }
        index += count
    }

    mutating func readArray(depth: Int) throws(JSONError) -> JSONValue {
        if depth > limits.maxDepth { throw fail(.tooDeep, "nesting deeper than \(limits.maxDepth) levels") }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try readValue(depth: depth))
            if try !moreElements() { return .array(elements) }
        }
    }

    mutating func readObject(depth: Int) throws(JSONError) -> JSONValue {
        if depth > limits.maxDepth { throw fail(.tooDeep, "nesting deeper than \(limits.maxDepth) levels") }
        index += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        var seen: Set<String>? = nil
        while true {
            skipWhitespace()
            let keyOffset = index
            guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else { throw unexpected(expected: "a member name") }
            let key = try readString()
            try checkUnique(key, in: members.lazy.map(\.key), seen: &seen, offset: keyOffset)
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            let value = try readValue(depth: depth)
            members.append((key, value))
            skipWhitespace()
            guard index < buffer.count else { throw fail(.unexpectedEnd, "unterminated object") }
            if buffer[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}'")
            return .object(members)
        }
    }

    /// Linear search for small objects, a set once an object grows, so that a hostile object with
    /// many members costs linear time.
    func checkUnique(
        _ key: String, in names: some Collection<String>, seen: inout Set<String>?, offset: Int
    ) throws(JSONError) {
        if names.count < 16 {
            for name in names where name == key {
                throw fail(.duplicateKey, "duplicate member name \"\(key)\"", at: offset)
            }
            return
        }
        if seen == nil { seen = Set(names) }
        if !seen!.insert(key).inserted {
            throw fail(.duplicateKey, "duplicate member name \"\(key)\"", at: offset)
        }
    }

    /// Reads the top object; the captured array's elements go to `element` (with their ranges),
    /// not into the result.
    mutating func readTopObject(
        capturing arrayKey: String, keeping elementKeys: Set<String>? = nil,
        readAhead: ((_ start: Int, _ valueCount: Int) -> JSONReadAheadEnd?)? = nil, element: (JSONValue, Range<Int>) -> Void
    ) throws(JSONError) -> JSONObjectWithRawArray {
        guard index < buffer.count, buffer[index] == UInt8(ascii: "{") else { throw unexpected(expected: "an object") }
        try countValue()
        var result = JSONObjectWithRawArray(members: [], arrayPresent: false, elements: [])
        try checkObject(depth: 1) { key, scanner throws(JSONError) in
            if key == arrayKey, scanner.index < scanner.buffer.count, scanner.buffer[scanner.index] == UInt8(ascii: "[") {
                result.arrayPresent = true
                try scanner.countValue()
                try scanner.readRawArray(keeping: elementKeys, readAhead: readAhead, element)
            } else {
                result.members.append((key, try scanner.readValue(depth: 1)))
            }
            return true
        }
        return result
    }

    /// Reads the elements of an array, each handed to `element` with its range; with `keys`, an
    /// element that is an object is built with those members only (``readValue(depth:keeping:)``).
    /// `readAhead` is asked at each element's start whether another thread already read the
    /// elements from there (``JSONReader/scanObject(_:capturingArray:keepingMembers:limits:parts:notes:note:merge:)``):
    /// if so, it has handed them on itself, and says where to go on.
    mutating func readRawArray(
        keeping keys: Set<String>? = nil, readAhead: ((_ start: Int, _ valueCount: Int) -> JSONReadAheadEnd?)? = nil,
        _ element: (JSONValue, Range<Int>) -> Void
    )
        throws(JSONError)
    {
        index += 1  // [
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        try readElements(keeping: keys, readAhead: readAhead, element)
    }

    /// ``readRawArray(keeping:readAhead:_:)`` from an element's start (white space before it
    /// allowed) to just after the array's `]`, or until `readAhead` says the array is closed.
    mutating func readElements(
        keeping keys: Set<String>?, readAhead: ((_ start: Int, _ valueCount: Int) -> JSONReadAheadEnd?)?,
        _ element: (JSONValue, Range<Int>) -> Void
    ) throws(JSONError) {
        while true {
            skipWhitespace()
            let start = index
            if let readAhead, let end = readAhead(start, valueCount) {
                valueCount = end.valueCount
                index = end.index
                if end.closed { return }
                continue
            }
            let value = if let keys { try readValue(depth: 2, keeping: keys) } else { try readValue(depth: 2) }
            element(value, start..<index)
            if try !moreElements() { return }
        }
    }

    /// After an element of an array: white space, then `,` (true: another element follows) or the
    /// array's `]` (false: the array is read).
    mutating func moreElements() throws(JSONError) -> Bool {
        skipWhitespace()
        guard index < buffer.count else { throw fail(.unexpectedEnd, "unterminated array") }
        if buffer[index] == UInt8(ascii: ",") {
            index += 1
            return true
        }
        try expect(UInt8(ascii: "]"), "',' or ']'")
        return false
    }

    mutating func readNumber() throws(JSONError) -> String {
        let start = index
        try skipNumber()
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self)
    }

    /// Moves past a number, checking its grammar and length.
    mutating func skipNumber() throws(JSONError) {
        let start = index
        func digit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        if buffer[index] == UInt8(ascii: "-") { index += 1 }
        guard index < buffer.count, digit(buffer[index]) else { throw fail(.invalidNumber, "invalid number", at: start) }
        if buffer[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < buffer.count, digit(buffer[index]) { index += 1 }
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: ".") {
            index += 1
            guard index < buffer.count, digit(buffer[index]) else { throw fail(.invalidNumber, "invalid number", at: start) }
            while index < buffer.count, digit(buffer[index]) { index += 1 }
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: "e") || buffer[index] == UInt8(ascii: "E") {
            index += 1
            if index < buffer.count, buffer[index] == UInt8(ascii: "+") || buffer[index] == UInt8(ascii: "-") { index += 1 }
            guard index < buffer.count, digit(buffer[index]) else { throw fail(.invalidNumber, "invalid number", at: start) }
            while index < buffer.count, digit(buffer[index]) { index += 1 }
        }
        if index - start > 4096 { throw fail(.tooLarge, "number longer than 4096 characters", at: start) }
    }

    mutating func readString() throws(JSONError) -> String {
        let string = try scanString()
        let raw = UnsafeBufferPointer(rebasing: buffer[string.content])
        if !string.hasEscape {
            if string.nonASCII {
                guard let s = String(validating: raw, as: UTF8.self) else {
                    throw fail(.invalidUTF8, "string is not valid UTF-8", at: string.content.lowerBound - 1)
                }
                return s
            }
            return String(decoding: raw, as: UTF8.self)
        }
        return try unescape(raw, at: string.content.lowerBound)
    }

    /// Moves past a string, checking its characters and length: where its content lies, and whether
    /// it has escapes or bytes beyond ASCII (still to be checked by whoever reads it).
    mutating func scanString() throws(JSONError) -> (content: Range<Int>, hasEscape: Bool, nonASCII: Bool) {
        let quote = index
        index += 1
        let start = index
        var hasEscape = false
        var nonASCII = false
        while true {
            guard index < buffer.count else { throw fail(.unexpectedEnd, "unterminated string", at: quote) }
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                hasEscape = true
                index += 2
                continue
            }
            if byte < 0x20 { throw fail(.invalidString, "unescaped control character in string") }
            if byte >= 0x80 { nonASCII = true }
            index += 1
        }
        let end = index
        index += 1  // closing quote
        if end - start > limits.maxStringBytes {
            throw fail(.tooLarge, "string longer than \(limits.maxStringBytes) bytes", at: quote)
        }
        return (start..<end, hasEscape, nonASCII)
    }

    func unescape(_ raw: UnsafeBufferPointer<UInt8>, at offset: Int) throws(JSONError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        func hex4(_ at: Int) throws(JSONError) -> UInt32 {
            guard at + 4 <= raw.count else { throw fail(.invalidString, "truncated \\u escape", at: offset + at) }
            var value: UInt32 = 0
            for k in 0..<4 {
                let c = raw[at + k]
                let v: UInt32
                switch c {
                case 0x30...0x39: v = UInt32(c - 0x30)
                case 0x41...0x46: v = UInt32(c - 0x41 + 10)
                case 0x61...0x66: v = UInt32(c - 0x61 + 10)
                default: throw fail(.invalidString, "invalid \\u escape", at: offset + at)
                }
                value = value << 4 | v
            }
            return value
        }
        while i < raw.count {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            guard i + 1 < raw.count else { throw fail(.invalidString, "truncated escape", at: offset + i) }
            let escaped = raw[i + 1]
            i += 2
            switch escaped {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u") else {
                        throw fail(.invalidString, "unpaired surrogate in \\u escape", at: offset + i)
                    }
                    let low = try hex4(i + 2)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw fail(.invalidString, "unpaired surrogate in \\u escape", at: offset + i)
                    }
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail(.invalidString, "unpaired surrogate in \\u escape", at: offset + i)
                }
                guard let unicode = Unicode.Scalar(scalar) else {
                    throw fail(.invalidString, "invalid \\u escape", at: offset + i)
                }
                out.append(contentsOf: String(Character(unicode)).utf8)
            default:
                throw fail(.invalidString, "invalid escape sequence", at: offset + i - 2)
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            throw fail(.invalidUTF8, "string is not valid UTF-8", at: offset)
        }
        return s
    }
}
