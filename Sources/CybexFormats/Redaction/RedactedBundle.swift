public import CybexCore

/// A bundle as a destination would receive it, with what happened to each object: the preview.
public struct RedactedBundle: Sendable {
    /// What redaction did to one object.
    public enum Outcome: String, Sendable, Hashable {
        /// Sent as received (the same bytes).
        case unchanged
        /// Sent redacted.
        case redacted
        /// Not sent.
        case withheld
    }

    /// The bundle's compact JSON: its members as received, `objects` last, holding the objects
    /// sent (omitted when none is).
    public var bytes: [UInt8]
    /// One entry per object of the input, in order: its `id` (as received) and outcome.
    public var objects: [(id: String?, outcome: Outcome)]
}

extension Redactor {
    /// Redacts every object of a STIX bundle (or any JSON object with an `objects` list): the
    /// preview of what a destination would receive. References to objects renamed depending on
    /// their content are mapped for every such object of the bundle (``Redactor/renamedIDs(in:)``).
    ///
    /// - Throws: ``JSONError`` when the bytes are not one JSON object.
    public func redactBundle(
        _ bytes: [UInt8], allowed: ((TLPLevel) -> Bool)? = nil
    ) throws(JSONError) -> RedactedBundle {
        let document = try JSONReader.parseObject(bytes, capturingArray: "objects")
        let renamed = renamedIDs(in: document.elements.map(\.value))
        var sent: [[UInt8]] = []
        var outcomes: [(id: String?, outcome: RedactedBundle.Outcome)] = []
        bytes.withUnsafeBufferPointer { buffer in
            for element in document.elements {
                let raw = JSONWriter.compact(UnsafeBufferPointer(rebasing: buffer[element.range]))
                let id = element.value["id"]?.stringValue
                guard let result = redact(raw, allowed: allowed, renamedIDs: renamed) else {
                    outcomes.append((id, .withheld))
                    continue
                }
                outcomes.append((id, result == raw ? .unchanged : .redacted))
                sent.append(result)
            }
        }
        var out: [UInt8] = []
        out.append(UInt8(ascii: "{"))
        for (i, member) in document.members.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(member.key, into: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.write(member.value, into: &out)
        }
        if !sent.isEmpty {
            if !document.members.isEmpty { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #""objects":["#.utf8)
            for (i, object) in sent.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: object)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
        return RedactedBundle(bytes: out, objects: outcomes)
    }
}
