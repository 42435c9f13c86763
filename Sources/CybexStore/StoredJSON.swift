import CybexCore

/// How an object's JSON is kept at rest, on both backends: the compact bytes as received, with
/// the member names STIX 2.1 objects repeat most (`"type":"`, `"spec_version":"2.1"`,
/// `"created":"`, …) each written as one byte below 0x20, and an object's opening (`"type":"indicator",
/// "spec_version":"2.1","id":"indicator--`) as two. Bytes below 0x20 never occur in compact JSON
/// (RFC 8259 has control characters escaped in strings, and compact JSON has no white space
/// outside them), so reading expands them back without ambiguity, and what a client gets is byte
/// for byte what was stored before. Values other than an object's own type are left as they are,
/// so an identifier is still found in the stored bytes (`cybex erase`'s search, which also matches
/// object ids by the id column), and a row written before this encoding, or by a build without it,
/// reads as itself.
///
/// The tables are fixed: stored rows depend on them. A word may be added only on a byte not yet
/// used; none may be changed or removed.
enum StoredJSON {
    /// The first byte of a row kept verbatim: one whose JSON holds a byte below 0x20 (not
    /// written by Cybex's reader, but never misread if it were).
    static let verbatim: UInt8 = 0x1F
    /// The bytes before a word of the second table; the byte after them (0x01-0x1F, which no
    /// searched text holds) says which.
    static let prefixes: [UInt8] = [0x1D, 0x1E]

    /// Words written as one byte: the byte and the bytes it stands for.
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
    ]

    /// Words written as two bytes, a prefix and a selector: the opening of an object of each STIX
    /// 2.1 type as most producers write it (type, spec version 2.1, and the id up to its UUID),
    /// and less frequent member names.
    static let extendedTable: [(prefix: UInt8, selector: UInt8, word: String)] = [
        (0x1D, 0x01, #""type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--"#),
        (0x1D, 0x02, #""type":"campaign","spec_version":"2.1","id":"campaign--"#),
        (0x1D, 0x03, #""type":"course-of-action","spec_version":"2.1","id":"course-of-action--"#),
        (0x1D, 0x04, #""type":"grouping","spec_version":"2.1","id":"grouping--"#),
        (0x1D, 0x05, #""type":"identity","spec_version":"2.1","id":"identity--"#),
        (0x1D, 0x06, #""type":"incident","spec_version":"2.1","id":"incident--"#),
        (0x1D, 0x07, #""type":"indicator","spec_version":"2.1","id":"indicator--"#),
        (0x1D, 0x08, #""type":"infrastructure","spec_version":"2.1","id":"infrastructure--"#),
        (0x1D, 0x09, #""type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--"#),
        (0x1D, 0x0A, #""type":"location","spec_version":"2.1","id":"location--"#),
        (0x1D, 0x0B, #""type":"malware","spec_version":"2.1","id":"malware--"#),
        (0x1D, 0x0C, #""type":"malware-analysis","spec_version":"2.1","id":"malware-analysis--"#),
        (0x1D, 0x0D, #""type":"note","spec_version":"2.1","id":"note--"#),
        (0x1D, 0x0E, #""type":"observed-data","spec_version":"2.1","id":"observed-data--"#),
        (0x1D, 0x0F, #""type":"opinion","spec_version":"2.1","id":"opinion--"#),
        (0x1D, 0x10, #""type":"report","spec_version":"2.1","id":"report--"#),
        (0x1D, 0x11, #""type":"threat-actor","spec_version":"2.1","id":"threat-actor--"#),
        (0x1D, 0x12, #""type":"tool","spec_version":"2.1","id":"tool--"#),
        (0x1D, 0x13, #""type":"vulnerability","spec_version":"2.1","id":"vulnerability--"#),
        (0x1D, 0x14, #""type":"relationship","spec_version":"2.1","id":"relationship--"#),
        (0x1D, 0x15, #""type":"sighting","spec_version":"2.1","id":"sighting--"#),
        (0x1D, 0x16, #""type":"artifact","spec_version":"2.1","id":"artifact--"#),
        (0x1D, 0x17, #""type":"autonomous-system","spec_version":"2.1","id":"autonomous-system--"#),
        (0x1D, 0x18, #""type":"directory","spec_version":"2.1","id":"directory--"#),
        (0x1D, 0x19, #""type":"domain-name","spec_version":"2.1","id":"domain-name--"#),
        (0x1D, 0x1A, #""type":"email-addr","spec_version":"2.1","id":"email-addr--"#),
        (0x1D, 0x1B, #""type":"email-message","spec_version":"2.1","id":"email-message--"#),
        (0x1D, 0x1C, #""type":"file","spec_version":"2.1","id":"file--"#),
        (0x1D, 0x1D, #""type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--"#),
        (0x1D, 0x1E, #""type":"ipv6-addr","spec_version":"2.1","id":"ipv6-addr--"#),
        (0x1D, 0x1F, #""type":"mac-addr","spec_version":"2.1","id":"mac-addr--"#),
        (0x1E, 0x01, #""type":"mutex","spec_version":"2.1","id":"mutex--"#),
        (0x1E, 0x02, #""type":"network-traffic","spec_version":"2.1","id":"network-traffic--"#),
        (0x1E, 0x03, #""type":"process","spec_version":"2.1","id":"process--"#),
        (0x1E, 0x04, #""type":"software","spec_version":"2.1","id":"software--"#),
        (0x1E, 0x05, #""type":"url","spec_version":"2.1","id":"url--"#),
        (0x1E, 0x06, #""type":"user-account","spec_version":"2.1","id":"user-account--"#),
        (0x1E, 0x07, #""type":"windows-registry-key","spec_version":"2.1","id":"windows-registry-key--"#),
        (0x1E, 0x08, #""type":"x509-certificate","spec_version":"2.1","id":"x509-certificate--"#),
        (0x1E, 0x09, #""type":"marking-definition","spec_version":"2.1","id":"marking-definition--"#),
        (0x1E, 0x0A, #""type":"language-content","spec_version":"2.1","id":"language-content--"#),
        (0x1E, 0x0B, #""type":"extension-definition","spec_version":"2.1","id":"extension-definition--"#),
        (0x1E, 0x0C, #""kill_chain_phases":["#),
        (0x1E, 0x0D, #""valid_until":""#),
        (0x1E, 0x0E, #""first_seen":""#),
        (0x1E, 0x0F, #""last_seen":""#),
        (0x1E, 0x10, #""aliases":["#),
        (0x1E, 0x11, #""roles":["#),
        (0x1E, 0x12, #""identity_class":""#),
        (0x1E, 0x13, #""sectors":["#),
        (0x1E, 0x14, #""object_refs":["#),
        (0x1E, 0x15, #""published":""#),
        (0x1E, 0x16, #""report_types":["#),
        (0x1E, 0x17, #""kill_chain_name":""#),
        (0x1E, 0x18, #""phase_name":""#),
        (0x1E, 0x19, #""revoked":"#),
        (0x1E, 0x1A, #""hashes":{"#),
        (0x1E, 0x1B, #""first_observed":""#),
        (0x1E, 0x1C, #""last_observed":""#),
        (0x1E, 0x1D, #""number_observed":"#),
        (0x1E, 0x1E, #""where_sighted_refs":["#),
        (0x1E, 0x1F, #""sighting_of_ref":""#),
    ]

    /// The words for the encoder, flat: every word's bytes end to end (`bytes`); the candidates
    /// (`word` range, code of one or two bytes) grouped by the byte after the opening quote,
    /// longest first; and, for each such byte, where its group lies among the candidates. Flat, so
    /// encoding a document touches no nested arrays.
    static let encoder: (bytes: [UInt8], candidates: [(word: Range<Int>, code: UInt16, width: Int)], groups: [Range<Int>]) = {
        var bytes: [UInt8] = []
        var all: [(word: Range<Int>, code: UInt16, width: Int, second: UInt8)] = []
        for (token, word) in table {
            all.append((bytes.count..<(bytes.count + word.utf8.count), UInt16(token), 1, Array(word.utf8)[1]))
            bytes += Array(word.utf8)
        }
        for (prefix, selector, word) in extendedTable {
            let code = UInt16(prefix) << 8 | UInt16(selector)
            all.append((bytes.count..<(bytes.count + word.utf8.count), code, 2, Array(word.utf8)[1]))
            bytes += Array(word.utf8)
        }
        all.sort { ($0.second, $1.word.count) < ($1.second, $0.word.count) }
        var groups = [Range<Int>](repeating: 0..<0, count: 256)
        for (index, candidate) in all.enumerated() {
            let second = Int(candidate.second)
            groups[second] = groups[second].isEmpty ? index..<(index + 1) : groups[second].lowerBound..<(index + 1)
        }
        return (bytes, all.map { ($0.word, $0.code, $0.width) }, groups)
    }()

    /// `records` with their JSON in its stored form: what the writers bind. Encoded before a
    /// transaction (or, for a queue, on the producer's thread), never by the writer itself, which
    /// is the one thread an import or post cannot spread.
    static func encoding(_ records: [STIXObjectRecord]) -> [STIXObjectRecord] {
        var records = records
        for index in records.indices { records[index].json = encode(records[index].json) }
        return records
    }

    /// The bytes to store for an object's compact JSON.
    static func encode(_ json: [UInt8]) -> [UInt8] {
        let (words, candidates, groups) = encoder
        return json.withUnsafeBufferPointer { source in
            words.withUnsafeBufferPointer { words in
                candidates.withUnsafeBufferPointer { candidates in
                    groups.withUnsafeBufferPointer { groups in
                        var out: [UInt8] = []
                        out.reserveCapacity(source.count)
                        var index = 0
                        var run = 0
                        let count = source.count
                        scan: while index < count {
                            let byte = source[index]
                            if byte < 0x20 {
                                // Not compact JSON as Cybex writes it: kept as it is, marked so.
                                return [verbatim] + json
                            }
                            guard byte == UInt8(ascii: "\""), index + 1 < count else {
                                index += 1
                                continue
                            }
                            for candidate in candidates[groups[Int(source[index + 1])]] {
                                let word = candidate.word
                                guard index + word.count <= count else { continue }
                                var offset = 2
                                while offset < word.count, source[index + offset] == words[word.lowerBound + offset] {
                                    offset += 1
                                }
                                guard offset == word.count else { continue }
                                out.append(contentsOf: UnsafeBufferPointer(rebasing: source[run..<index]))
                                if candidate.width == 2 { out.append(UInt8(candidate.code >> 8)) }
                                out.append(UInt8(candidate.code & 0xFF))
                                index += word.count
                                run = index
                                continue scan
                            }
                            index += 1
                        }
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: source[run..<count]))
                        return out
                    }
                }
            }
        }
    }

    /// Every word's bytes end to end, and where each code's word lies in them: codes 0-0x1F are
    /// the one-byte codes, 0x20 + 0x20 × prefix index + selector the two-byte ones; an empty range
    /// for a byte that is no code. One flat table, so reading a row touches no nested arrays.
    static let flat: (bytes: [UInt8], ranges: [Range<Int>]) = {
        var bytes: [UInt8] = []
        var ranges = [Range<Int>](repeating: 0..<0, count: 0x20 + 0x20 * prefixes.count)
        for (token, word) in table {
            ranges[Int(token)] = bytes.count..<(bytes.count + word.utf8.count)
            bytes += Array(word.utf8)
        }
        for (prefix, selector, word) in extendedTable {
            let code = 0x20 + 0x20 * prefixes.firstIndex(of: prefix)! + Int(selector)
            ranges[code] = bytes.count..<(bytes.count + word.utf8.count)
            bytes += Array(word.utf8)
        }
        return (bytes, ranges)
    }()

    /// The JSON of stored bytes.
    static func decode(_ stored: UnsafeRawBufferPointer) -> [UInt8] {
        let bytes = stored.bindMemory(to: UInt8.self)
        guard let first = bytes.first else { return [] }
        if first == verbatim { return Array(bytes.dropFirst()) }
        let (words, ranges) = flat
        let (low, high) = (prefixes[0], prefixes[1])
        return words.withUnsafeBufferPointer { words in
            ranges.withUnsafeBufferPointer { ranges in
                var out: [UInt8] = []
                out.reserveCapacity(bytes.count * 2)
                var run = 0
                var index = 0
                let count = bytes.count
                while index < count {
                    let byte = bytes[index]
                    if byte >= 0x20 {
                        index += 1
                        continue
                    }
                    var code = Int(byte)
                    var width = 1
                    if byte == low || byte == high, index + 1 < count, bytes[index + 1] < 0x20 {
                        code = 0x20 + 0x20 * Int(byte - low) + Int(bytes[index + 1])
                        width = 2
                    }
                    let word = ranges[code]
                    if word.isEmpty {
                        index += 1
                        continue
                    }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: words[word]))
                    index += width
                    run = index
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<count]))
                return out
            }
        }
    }

    /// ``decode(_:)`` of bytes in an array.
    static func decode(_ stored: [UInt8]) -> [UInt8] {
        stored.withUnsafeBytes { decode($0) }
    }
}
