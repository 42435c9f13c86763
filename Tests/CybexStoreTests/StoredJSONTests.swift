import CybexCore
import CybexFormats
import CybexTestSupport
import Foundation
import GRDB
import Testing

@testable import CybexStore

/// The encoding of objects' JSON at rest (``StoredJSON``): the most repeated member names as one
/// byte each. Every document reads back byte for byte; values stay searchable; rows written before
/// the encoding read as themselves; and the table of words never changes meaning.
@Suite("Stored JSON")
struct StoredJSONTests {
    static func roundTrips(_ json: [UInt8]) -> Bool {
        StoredJSON.decode(StoredJSON.encode(json)) == json
    }

    /// Every fixture of the validator's tests, compacted as the ingest stores it.
    @Test func everyFixtureReadsBackByteForByteAndSmaller() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("CybexFormatsTests/Fixtures")
        var checked = 0
        var saved = 0
        var total = 0
        for folder in ["valid", "invalid"] {
            let directory = root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".json") {
                let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
                guard let value = try? JSONReader.parse(bytes) else { continue }
                let json = JSONWriter.bytes(value)
                let stored = StoredJSON.encode(json)
                #expect(StoredJSON.decode(stored) == json, "\(name)")
                #expect(stored.count <= json.count, "\(name)")
                #expect(stored.first != StoredJSON.verbatim, "\(name)")
                checked += 1
                saved += json.count - stored.count
                total += json.count
            }
        }
        #expect(checked > 150)
        // STIX objects repeat their member names: the fixtures come out a fifth smaller or more.
        #expect(Double(saved) / Double(total) > 0.15, "saved \(saved) of \(total) bytes")
    }

    /// Random documents built from the words, their near misses and escapes of them in strings.
    @Test func randomDocumentsReadBackByteForByte() {
        var generator = SeededGenerator(state: 0x5709ED)
        let keys = (StoredJSON.table.map(\.word) + StoredJSON.extendedTable.map(\.word)).map { text -> String in
            return String(text.dropFirst().prefix(while: { $0 != "\"" }))
        }
        let openings = ["indicator", "tool", "x-custom", "toolx"].map { #"type":"\#($0)","spec_version":"2.1","id":"\#($0)--"# }
        let pieces =
            keys + keys.map { $0 + "x" } + keys.map { String($0.dropLast()) } + openings + [
                #"\"type\":\""#, #"2.1"#, #"spec_version\":\"2.1"#, "é", "💥", #"\\"#, #"\""#, "",
            ]
        for _ in 0..<3_000 {
            var members: [String] = []
            for _ in 0..<Int.random(in: 0...8, using: &generator) {
                let key = pieces.randomElement(using: &generator)!
                let value: String
                switch Int.random(in: 0..<5, using: &generator) {
                case 0: value = #""\#(pieces.randomElement(using: &generator)!)""#
                case 1: value = "[\"a\",\"\(pieces.randomElement(using: &generator)!)\"]"
                case 2: value = String(Int.random(in: -5...100, using: &generator))
                case 3: value = #""2.1""#
                default: value = "{\"\(pieces.randomElement(using: &generator)!)\":true}"
                }
                members.append(#""\#(key)":\#(value)"#)
            }
            let json = Array(("{" + members.joined(separator: ",") + "}").utf8)
            #expect(Self.roundTrips(json), "\(String(decoding: json, as: UTF8.self))")
            // Any cut of it too (a word at the very end, or cut short).
            let cut = Int.random(in: 0...json.count, using: &generator)
            #expect(Self.roundTrips(Array(json.prefix(cut))))
        }
    }

    @Test func rowsWrittenBeforeTheEncodingAndUnusualBytesReadAsThemselves() {
        // What older builds stored: plain JSON, read as it is.
        let plain = Array(#"{"type":"indicator","spec_version":"2.1","id":"indicator--a"}"#.utf8)
        #expect(StoredJSON.decode(plain) == plain)
        // A control byte (never in compact JSON): kept verbatim behind its marker.
        for odd in [#"{"name":"a\#tb"}"#, "{\"type\":\"x\u{1}\"}", "\u{1F}{}", "\u{1F}"] {
            let json = Array(odd.utf8)
            let stored = StoredJSON.encode(json)
            #expect(stored.first == StoredJSON.verbatim)
            #expect(StoredJSON.decode(stored) == json)
        }
        #expect(StoredJSON.encode([]) == [])
        #expect(StoredJSON.decode([UInt8]()) == [])
    }

    /// Stored rows depend on the tables: one object's stored bytes are pinned here (worked out
    /// apart from the code), so a change to a word, rather than a word added on an unused code,
    /// fails.
    @Test func theTablesAreFixed() {
        let text: String =
            (#"{"type":"indicator","spec_version":"2.1","id":"indicator--x","created_by_ref":"identity--y","#
                + #""created":"c","modified":"m","name":"n","description":"d","pattern":"p","pattern_type":"stix","#
                + #""valid_from":"v","valid_until":"u","labels":["l"],"confidence":5,"object_marking_refs":["o"],"#
                + #""external_references":[{"source_name":"s","external_id":"e","url":"w"}],"relationship_type":"r","#
                + #""source_ref":"a","target_ref":"b","indicator_types":["i"],"malware_types":["k"],"is_family":true,"#
                + #""value":"q","kill_chain_phases":[],"x":{"type":"tool","spec_version":"2.1","id":"tool--z"},"#
                + #""sighting_of_ref":"s"}"#)
        let json = Array(text.utf8)
        let encoded: String =
            ("{\u{1D}\u{07}x\",\u{06}identity--y\",\u{04}c\",\u{05}m\",\u{08}n\",\u{0B}d\",\u{0C}p\",\u{0E}stix\","
                + "\u{0F}v\",\u{1E}\u{0D}u\",\u{10}\"l\"],\u{11}5,\u{07}\"o\"],\u{12}{\u{13}s\",\u{14}e\",\u{15}w\"}],"
                + "\u{16}r\",\u{17}a\",\u{18}b\",\u{19}\"i\"],\u{1A}\"k\"],\u{1B}true,\u{1C}q\",\u{1E}\u{0C}],"
                + "\"x\":{\u{1D}\u{12}z\"},\u{1E}\u{1F}s\"}")
        let expected = Array(encoded.utf8)
        #expect(StoredJSON.encode(json) == expected)
        #expect(StoredJSON.decode(expected) == json)
        let codes = StoredJSON.table.map { [$0.token] } + StoredJSON.extendedTable.map { [$0.prefix, $0.selector] }
        #expect(Set(codes).count == codes.count)
        #expect(!StoredJSON.table.contains { [0x00, 0x09, 0x0A, 0x0D, StoredJSON.verbatim].contains($0.token) })
        #expect(!StoredJSON.table.contains { StoredJSON.prefixes.contains($0.token) })
        #expect(
            StoredJSON.extendedTable.allSatisfy { StoredJSON.prefixes.contains($0.prefix) && (1..<0x20).contains($0.selector) })
    }

    /// On both backends: what is read is what was added, byte for byte, and SQLite's row holds the
    /// shorter form; `cybex erase`'s search still finds a value in the stored bytes.
    @Test(arguments: Backend.enabled)
    func objectsReadBackAsAddedAndValuesStaySearchable(backend: Backend) async throws {
        try await backend.withStore { store in
            let c = Fixture.collection()
            try await store.createCollection(c)
            let tricky = Fixture.sco(Fixture.id("email-addr"), value: #"a"name":"b@example.org"#)
            let records = [Fixture.sdo(Fixture.id("indicator"), modified: Fixture.base), tricky]
            _ = try await store.addObjects(records, to: c.id, owner: "org-a")
            let page = try await store.objects(in: c.id, matching: ObjectQuery(versions: .all))
            #expect(Set(page.records.map(\.json)) == Set(records.map(\.json)))
            if let sqlite = store as? SQLiteStore {
                let sizes = try await sqlite.pool.read {
                    try Int.fetchAll($0, sql: "SELECT length(json) FROM objects ORDER BY pk")
                }
                #expect(sizes.count == 2)
                for (size, record) in zip(sizes, records) { #expect(size < record.json.count - 20) }
            }
            let erased = try await store.eraseObjects(containing: "b@example.org", dryRun: true)
            #expect(erased.map(\.id) == [tricky.id])
            // An object's own id, whose type is written with the object's opening, is found by the id column.
            let byID = try await store.eraseObjects(containing: records[0].id, dryRun: true)
            #expect(byID.map(\.id) == [records[0].id])
        }
    }
}
