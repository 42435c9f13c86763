/// How an object's JSON is kept at rest, on both backends: the compact bytes as received, with
/// the member names STIX 2.1 objects repeat most (`"type":"`, `"spec_version":"2.1"`,
/// `"created":"`, …) each written as one byte below 0x20. Such bytes never occur in compact JSON
/// (RFC 8259 has control characters escaped in strings, and compact JSON has no white space
/// outside them), so the encoding is a plain substitution: reading expands the bytes back, and
/// what a client gets is byte for byte what was stored before. Values are left as they are, so an
/// identifier is still found in the stored bytes (`cybex erase`'s search), and a row written
/// before this encoding, or by a build without it, reads as itself.
///
/// The table is fixed: stored rows depend on it. A word may be added only on a byte not yet used;
/// none may be changed or removed.
enum StoredJSON {
    /// The first byte of a row kept verbatim: one whose JSON holds a byte below 0x20 (not
    /// written by Cybex's reader, but never misread if it were).
    static let verbatim: UInt8 = 0x1F

    /// Token byte and the bytes it stands for.
    static let table: [(token: UInt8, word: String)] = [
        (0x01, #""type":""#),
        (0x02, #""spec_version":"2.1""#),
        (0x03, #""id":""#),
        (0x04, #""created":""#),
        (0x05, #""modified":""#),
        (0x06, #""created_by_ref":""#),
        (0x07, #""object_marking_refs":["#),
        (0x08, #""name":""#),
        // 0x09, 0x0A and 0x0D are left out: JSON's own white space.
        (0x0B, #""description":""#),
        (0x0C, #""pattern":""#),
        (0x0E, #""pattern_type":""#),
        (0x0F, #""valid_from":""#),
        (0x10, #""labels":["#),
        (0x11, #""confidence":"#),
        (0x12, #""external_references":["#),
        (0x13, #""source_name":""#),
        (0x14, #""external_id":""#),
        (0x15, #""url":""#),
        (0x16, #""relationship_type":""#),
        (0x17, #""source_ref":""#),
        (0x18, #""target_ref":""#),
        (0x19, #""indicator_types":["#),
        (0x1A, #""malware_types":["#),
        (0x1B, #""is_family":"#),
        (0x1C, #""value":""#),
        (0x1D, #""kill_chain_phases":["#),
        (0x1E, #""valid_until":""#),
    ]

    /// The bytes each token stands for, by token (empty for other bytes).
    static let expansions: [[UInt8]] = {
        var expansions = [[UInt8]](repeating: [], count: 0x20)
        for (token, word) in table { expansions[Int(token)] = Array(word.utf8) }
        return expansions
    }()

    /// The words that may start at a quote followed by each byte: (token, word), longest first.
    static let candidates: [[(token: UInt8, word: [UInt8])]] = {
        var candidates = [[(token: UInt8, word: [UInt8])]](repeating: [], count: 256)
        for (token, word) in table {
            let bytes = Array(word.utf8)
            candidates[Int(bytes[1])].append((token, bytes))
        }
        for index in candidates.indices { candidates[index].sort { $0.word.count > $1.word.count } }
        return candidates
    }()

    /// The bytes to store for an object's compact JSON.
    static func encode(_ json: [UInt8]) -> [UInt8] {
        json.withUnsafeBufferPointer { source in
            var out: [UInt8] = []
            out.reserveCapacity(source.count)
            var index = 0
            var run = 0
            let count = source.count
            while index < count {
                let byte = source[index]
                if byte < 0x20 {
                    // Not compact JSON as Cybex writes it: kept as it is, marked so.
                    return [verbatim] + json
                }
                if byte == UInt8(ascii: "\""), index + 1 < count,
                    let (token, length) = match(source, at: index, candidates[Int(source[index + 1])])
                {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: source[run..<index]))
                    out.append(token)
                    index += length
                    run = index
                    continue
                }
                index += 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: source[run..<count]))
            return out
        }
    }

    /// The first of `words` that `source` holds at `index`: its token and length.
    static func match(_ source: UnsafeBufferPointer<UInt8>, at index: Int, _ words: [(token: UInt8, word: [UInt8])])
        -> (UInt8, Int)?
    {
        for (token, word) in words where index + word.count <= source.count {
            var equal = true
            for offset in 2..<word.count where source[index + offset] != word[offset] {
                equal = false
                break
            }
            if equal { return (token, word.count) }
        }
        return nil
    }

    /// The JSON of stored bytes.
    static func decode(_ stored: UnsafeRawBufferPointer) -> [UInt8] {
        let bytes = stored.bindMemory(to: UInt8.self)
        guard let first = bytes.first else { return [] }
        if first == verbatim { return Array(bytes.dropFirst()) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 2)
        var run = 0
        for index in 0..<bytes.count where bytes[index] < 0x20 && !expansions[Int(bytes[index])].isEmpty {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
            out.append(contentsOf: expansions[Int(bytes[index])])
            run = index + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<bytes.count]))
        return out
    }

    /// ``decode(_:)`` of bytes in an array.
    static func decode(_ stored: [UInt8]) -> [UInt8] {
        stored.withUnsafeBytes { decode($0) }
    }
}
