/// Writes one JSON object member by member, straight into bytes, compact and in the order the
/// members are written: what ``JSONWriter/write(_:into:)`` writes of the same object as a
/// ``JSONValue``, without building the tree first. For objects made in bulk (a feed pull's
/// indicators and sightings), where building and freeing the tree costs more than writing it.
///
/// The writer keeps the members ``ParsedDocument/Lines`` notes of each object (`type`, `id`, the
/// marking references), so a line written this way is noted as one appended as a tree is.
public struct JSONObjectWriter {
    var out: [UInt8]
    var first = true
    /// The members a document's marking notes read, as written.
    var noted: [(String, JSONValue)] = []

    mutating func key(_ key: String) {
        if first { first = false } else { out.append(UInt8(ascii: ",")) }
        JSONWriter.writeString(key, into: &out)
        out.append(UInt8(ascii: ":"))
    }

    /// A string member.
    public mutating func string(_ key: String, _ value: String) {
        self.key(key)
        JSONWriter.writeString(value, into: &out)
        if key == "type" || key == "id" { noted.append((key, .string(value))) }
    }

    /// An integer member.
    public mutating func integer(_ key: String, _ value: Int64) {
        self.key(key)
        out.append(contentsOf: String(value).utf8)
    }

    /// An array of strings.
    public mutating func strings(_ key: String, _ values: [String]) {
        self.key(key)
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(value, into: &out)
        }
        out.append(UInt8(ascii: "]"))
        if Self.notedMembers.contains(key) { noted.append((key, .array(values.map(JSONValue.string)))) }
    }

    /// Any member, written as ``JSONWriter`` writes it.
    public mutating func value(_ key: String, _ value: JSONValue) {
        self.key(key)
        JSONWriter.write(value, into: &out)
        if Self.notedMembers.contains(key) { noted.append((key, value)) }
    }

    static let notedMembers: Set<String> = ["type", "id", "object_marking_refs", "granular_markings"]

}

extension ParsedDocument.Lines {
    /// Writes the next line member by member (see ``JSONObjectWriter``): the same bytes and the
    /// same marking notes as ``append(_:)`` of the object as a tree.
    public mutating func appendObject(_ write: (inout JSONObjectWriter) -> Void) {
        let start = bytes.count
        // The writer takes the buffer over and hands it back: swapped, never copied.
        var writer = JSONObjectWriter(out: [])
        swap(&writer.out, &bytes)
        writer.out.append(UInt8(ascii: "{"))
        write(&writer)
        writer.out.append(UInt8(ascii: "}"))
        swap(&writer.out, &bytes)
        markings.note(.object(writer.noted), at: ranges.count)
        ranges.append(start..<bytes.count)
        bytes.append(UInt8(ascii: "\n"))
    }
}
