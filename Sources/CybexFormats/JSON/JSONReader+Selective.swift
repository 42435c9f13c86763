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

extension JSONReader {
    /// Reads one complete document with every check of ``parse(_:limits:)``, the same errors at the
    /// same places, but when it is an object builds only its members named in `keys`: the others
    /// are checked and let go. A first pass over a document whose objects are read again later.
    public static func parse(_ bytes: some Sequence<UInt8>, keepingMembers keys: Set<String>, limits: JSONLimits = .default)
        throws(JSONError) -> JSONValue
    {
        try withBytes(bytes) { (buffer: UnsafeBufferPointer<UInt8>) throws(JSONError) -> JSONValue in
            var scanner = JSONScanner(buffer: buffer, limits: limits)
            scanner.skipWhitespace()
            let value = try scanner.readValue(depth: 0, keeping: keys)
            try scanner.expectEnd()
            return value
        }
    }
}

/// Checking values without building them: every check of ``readValue(depth:)``, in the same order,
/// with the same errors.
extension JSONScanner {
    /// ``readValue(depth:)``, except that an object keeps only the members named in `keys` (their
    /// values built whole); the others are checked and let go.
    mutating func readValue(depth: Int, keeping keys: Set<String>) throws(JSONError) -> JSONValue {
        guard index < buffer.count, buffer[index] == UInt8(ascii: "{") else { return try readValue(depth: depth) }
        try countValue()
        var kept: [(key: String, value: JSONValue)] = []
        try checkObject(depth: depth + 1) { key, scanner throws(JSONError) in
            guard keys.contains(key) else { return false }
            kept.append((key, try scanner.readValue(depth: depth + 1)))
            return true
        }
        return .object(kept)
    }

    /// Checks one value and moves past it.
    mutating func checkValue(depth: Int) throws(JSONError) {
        guard index < buffer.count else { throw fail(.unexpectedEnd, "expected a value, found end of input") }
        try countValue()
        switch buffer[index] {
        case UInt8(ascii: "{"): try checkObject(depth: depth + 1) { _, _ in false }
        case UInt8(ascii: "["): try checkArray(depth: depth + 1)
        case UInt8(ascii: "\""): try checkString()
        case UInt8(ascii: "t"): try readLiteral("true")
        case UInt8(ascii: "f"): try readLiteral("false")
        case UInt8(ascii: "n"): try readLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: throw unexpected(expected: "a value")
        }
    }

    mutating func checkArray(depth: Int) throws(JSONError) {
        if depth > limits.maxDepth { throw fail(.tooDeep, "nesting deeper than \(limits.maxDepth) levels") }
        index += 1  // [
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try checkValue(depth: depth)
            if try !moreElements() { return }
        }
    }

    /// Checks an object; `read` may read a member's value itself (and says so), else it is checked.
    mutating func checkObject(
        depth: Int, reading read: (String, inout JSONScanner) throws(JSONError) -> Bool
    ) throws(JSONError) {
        if depth > limits.maxDepth { throw fail(.tooDeep, "nesting deeper than \(limits.maxDepth) levels") }
        index += 1  // {
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        var names: [String] = []
        var seen: Set<String>? = nil
        while true {
            skipWhitespace()
            let keyOffset = index
            guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else { throw unexpected(expected: "a member name") }
            let key = try readString()
            try checkUnique(key, in: names, seen: &seen, offset: keyOffset)
            names.append(key)
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            if try !read(key, &self) { try checkValue(depth: depth) }
            skipWhitespace()
            guard index < buffer.count else { throw fail(.unexpectedEnd, "unterminated object") }
            if buffer[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}'")
            return
        }
    }

    /// Checks a string as ``readString()`` reads it, building nothing unless it has escapes.
    mutating func checkString() throws(JSONError) {
        let string = try scanString()
        let raw = UnsafeBufferPointer(rebasing: buffer[string.content])
        if string.hasEscape {
            _ = try unescape(raw, at: string.content.lowerBound)
        } else if string.nonASCII, !Self.isValidUTF8(raw) {
            throw fail(.invalidUTF8, "string is not valid UTF-8", at: string.content.lowerBound - 1)
        }
    }

    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

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
