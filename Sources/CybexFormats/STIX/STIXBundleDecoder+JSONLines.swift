extension STIXBundleDecoder {
    /// Reads JSON Lines: each non-blank line one STIX object. A line that is not JSON, or not a STIX
    /// object, refuses the whole document with its line number; the objects themselves are
    /// validated later, one by one, as those of a bundle are.
    static func parseLines(_ bytes: [UInt8], limits: Limits) throws(STIXDocumentError) -> ParsedDocument {
        var markings = ParsedDocument.Markings()
        var ranges: [Range<Int>] = []
        var line = 0
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let range = start..<end
            line += 1
            start = end + 1
            // White space alone (a carriage return of CRLF files included) is a blank line.
            if bytes[range].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let value: JSONValue
            do {
                value = try JSONReader.parse(bytes[range], limits: limits.json)
            } catch {
                throw STIXDocumentError(.invalidJSON, "line \(line): \(error.description)")
            }
            guard case .object = value, let type = value["type"]?.stringValue else {
                throw STIXDocumentError(.notAnObject, "line \(line): a line of JSON Lines must be one STIX object (with a \"type\")")
            }
            guard type != "bundle" else {
                throw STIXDocumentError(
                    .notAnObject, "line \(line): a bundle; JSON Lines holds one STIX object per line (import a bundle as a file of its own)")
            }
            markings.note(value, at: ranges.count)
            ranges.append(range)
            if ranges.count > limits.maxObjects {
                throw STIXDocumentError(
                    .tooManyObjects, "the document holds more than \(limits.maxObjects) objects; at most that many are accepted at once")
            }
        }
        return ParsedDocument(bytes: bytes, ranges: ranges, limits: limits.json, markings: markings)
    }
}
