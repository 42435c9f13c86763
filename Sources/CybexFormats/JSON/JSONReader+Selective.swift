/// Reading a few members of a large object: the others are skipped over, checked only for their structure.
extension JSONReader {
    /// Reads an object, keeping only the members named in `keys` (the others are skipped over without being
    /// built): what a reader that needs a few members of large stored objects uses. The skipped members are
    /// checked only for their structure.
    public static func parseObject(_ bytes: some Sequence<UInt8>, keeping keys: Set<String>, limits: JSONLimits = .default)
        throws(JSONError) -> JSONValue
    {
        try withBytes(bytes) { (buffer: UnsafeBufferPointer<UInt8>) throws(JSONError) -> JSONValue in
            var scanner = JSONScanner(buffer: buffer, limits: limits)
            scanner.skipWhitespace()
            guard scanner.index < buffer.count, buffer[scanner.index] == UInt8(ascii: "{") else {
                throw scanner.unexpected(expected: "an object")
            }
            scanner.index += 1
            var members: [(key: String, value: JSONValue)] = []
            scanner.skipWhitespace()
            if scanner.index < buffer.count, buffer[scanner.index] == UInt8(ascii: "}") { return .object(members) }
            while true {
                scanner.skipWhitespace()
                guard scanner.index < buffer.count, buffer[scanner.index] == UInt8(ascii: "\"") else {
                    throw scanner.unexpected(expected: "a member name")
                }
                let key = try scanner.readString()
                scanner.skipWhitespace()
                try scanner.expect(UInt8(ascii: ":"), "':'")
                scanner.skipWhitespace()
                if keys.contains(key) {
                    members.append((key, try scanner.readValue(depth: 1)))
                } else {
                    try scanner.skipValue(depth: 1)
                }
                scanner.skipWhitespace()
                guard scanner.index < buffer.count else { throw scanner.fail(.unexpectedEnd, "unterminated object") }
                if buffer[scanner.index] == UInt8(ascii: ",") {
                    scanner.index += 1
                    continue
                }
                try scanner.expect(UInt8(ascii: "}"), "',' or '}'")
                return .object(members)
            }
        }
    }
}

extension JSONScanner {
    /// Moves past one value without building it: strings to their closing quote, containers to their end.
    mutating func skipValue(depth: Int) throws(JSONError) {
        if depth > limits.maxDepth { throw fail(.tooDeep, "nesting deeper than \(limits.maxDepth) levels") }
        guard index < buffer.count else { throw fail(.unexpectedEnd, "a value is missing") }
        switch buffer[index] {
        case UInt8(ascii: "\""):
            let quote = index
            index += 1
            while true {
                guard index < buffer.count else { throw fail(.unexpectedEnd, "unterminated string", at: quote) }
                let byte = buffer[index]
                if byte == UInt8(ascii: "\"") { break }
                index += byte == UInt8(ascii: "\\") ? 2 : 1
            }
            index += 1
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = buffer[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            skipWhitespace()
            if index < buffer.count, buffer[index] == close {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                if close == UInt8(ascii: "}") {
                    try skipValue(depth: depth + 1)  // the member name
                    skipWhitespace()
                    try expect(UInt8(ascii: ":"), "':'")
                    skipWhitespace()
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard index < buffer.count else { throw fail(.unexpectedEnd, "unterminated container") }
                if buffer[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(close, "',' or the container's end")
                return
            }
        default:
            // A number or a literal: up to the next delimiter.
            let start = index
            while index < buffer.count,
                ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D].contains(buffer[index])
            {
                index += 1
            }
            if index == start { throw unexpected(expected: "a value") }
        }
    }
}
