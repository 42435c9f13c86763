#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension STIXBundleDecoder {
    /// Reads JSON Lines: each non-blank line one STIX object. A line that is not JSON, or not a STIX
    /// object, refuses the whole document with its line number; the objects themselves are
    /// validated later, one by one, as those of a bundle are.
    static func parseLines(_ source: DocumentBytes, limits: Limits) throws(STIXDocumentError) -> ParsedDocument {
        var markings = ParsedDocument.Markings()
        var ranges: [Range<Int>] = []
        var line = 0
        // Where the next line starts, and how much is read at once: a file a few MiB at a time
        // (a block twice as large when a line does not fit, up to `maxLineBytes`).
        var start = 0
        var block = source.inMemory != nil ? source.count : max(1, limits.readBlockBytes)
        while start < source.count {
            let end = min(source.count, start + block)
            let atEnd = end == source.count
            let consumed = try source.withBytes(in: start..<end) { buffer throws(STIXDocumentError) -> Int in
                var at = 0
                while at < buffer.count {
                    guard let newline = Self.newline(in: buffer, from: at) ?? (atEnd ? buffer.count : nil) else {
                        break
                    }
                    let range = at..<newline
                    at = newline + 1
                    line += 1
                    // White space alone (a carriage return of CRLF files included) is a blank line.
                    if buffer[range].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                    let value: JSONValue
                    do throws(JSONError) {
                        value = try JSONReader.parse(
                            UnsafeBufferPointer(rebasing: buffer[range]), keepingMembers: ParsedDocument.Markings.members,
                            limits: limits.json)
                    } catch {
                        throw STIXDocumentError(.invalidJSON, "line \(line): \(error.description)")
                    }
                    guard case .object = value, let type = value["type"]?.stringValue else {
                        throw STIXDocumentError(
                            .notAnObject, "line \(line): a line of JSON Lines must be one STIX object (with a \"type\")")
                    }
                    guard type != "bundle" else {
                        throw STIXDocumentError(
                            .notAnObject,
                            "line \(line): a bundle; JSON Lines holds one STIX object per line (import a bundle as a file of its own)"
                        )
                    }
                    markings.note(value, at: ranges.count)
                    ranges.append((start + range.lowerBound)..<(start + range.upperBound))
                    if ranges.count > limits.maxObjects {
                        throw STIXDocumentError(
                            .tooManyObjects,
                            "the document holds more than \(limits.maxObjects) objects; at most that many are accepted at once")
                    }
                }
                return at
            }
            guard let consumed else { throw STIXDocumentError(.unreadable, "the file could not be read") }
            if consumed == 0 {
                guard block < limits.maxLineBytes else {
                    throw STIXDocumentError(
                        .lineTooLong, "line \(line + 1): longer than \(limits.maxLineBytes) bytes, the longest line accepted")
                }
                block = min(block * 2, limits.maxLineBytes)
                continue
            }
            start += consumed
        }
        return ParsedDocument(source: source, ranges: ranges, limits: limits.json, markings: markings)
    }

    /// The index of the first line feed of `buffer` at or after `start` (`memchr`: a file of a
    /// million lines is scanned at memory speed, not a byte at a time).
    static func newline(in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < buffer.count, let base = buffer.baseAddress,
            let found = memchr(base + start, 0x0A, buffer.count - start)
        else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }
}
