import CybexCore
import CybexFormats
import Foundation
import Testing

/// JSON Lines read from its file a block at a time (as `cybex import` reads a regular file): the
/// same objects, line numbers and refusals as from memory, whatever the block size, with lines
/// longer than a block and lines cut by a block's end.
@Suite("JSON Lines from a file")
struct JSONLinesFileTests {
    /// An indicator whose name makes its line `padding` bytes longer.
    static func indicator(_ number: Int, padding: Int = 0) -> String {
        let id = String(format: "indicator--6ba7b810-9dad-41d1-80b4-%012d", number)
        return """
            {"type":"indicator","spec_version":"2.1","id":"\(id)","created":"2026-01-01T00:00:00.000Z",\
            "modified":"2026-01-01T00:00:00.000Z","name":"\(String(repeating: "n", count: padding))",\
            "pattern":"[ipv4-addr:value = '10.0.0.\(number % 250)']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z",\
            "object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}
            """
    }

    /// A temporary file holding `text`, removed after `body`.
    static func withFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cybex-jsonl-\(UUID().uuidString).jsonl").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    static func records(_ document: ParsedDocument) -> [STIXObjectRecord] {
        document.decode(0..<document.count).compactMap { if case .valid(let record) = $0 { record } else { nil } }
    }

    /// 300 objects of lengths from 300 bytes to 3 KB, blank lines and CRLF among them, the last line
    /// without its newline.
    static let text: String = {
        var lines: [String] = []
        for number in 0..<300 {
            lines.append(indicator(number, padding: (number * 37) % 2_700) + (number % 7 == 0 ? "\r" : ""))
            if number % 50 == 0 { lines.append("   ") }
        }
        return lines.joined(separator: "\n")
    }()

    @Test(arguments: [64, 1_000, 4_096, 1 << 20])
    func aFileReadsAsTheSameBytesInMemory(block: Int) throws {
        let limits = STIXBundleDecoder.Limits(maxLineBytes: 1 << 20, readBlockBytes: block)
        let fromMemory = try STIXBundleDecoder.parse(Array(Self.text.utf8), as: .jsonLines, limits: limits)
        try Self.withFile(Self.text) { path in
            let source = try #require(DocumentBytes.file(atPath: path))
            let fromFile = try STIXBundleDecoder.parse(source, as: .jsonLines, limits: limits)
            #expect(fromFile.count == 300)
            #expect(fromFile.count == fromMemory.count)
            #expect(fromFile.markingIDs().referenced == fromMemory.markingIDs().referenced)
            let (file, memory) = (Self.records(fromFile), Self.records(fromMemory))
            #expect(file.count == 300)
            #expect(file.map(\.id) == memory.map(\.id))
            #expect(file.map(\.json) == memory.map(\.json))
            // Chunks read apart give the same records as the whole.
            let chunked = stride(from: 0, to: 300, by: 7).flatMap { fromFile.decode($0..<min($0 + 7, 300)) }
            #expect(chunked.count == 300)
        }
    }

    @Test func identitiesAreReadAgainWithoutValidating() throws {
        try Self.withFile(Self.text) { path in
            let document = try STIXBundleDecoder.parse(try #require(DocumentBytes.file(atPath: path)), as: .jsonLines)
            let records = Self.records(document)
            let positions = [0, 7, 8, 150, 299]
            let identities = document.identities(at: positions)
            #expect(identities.map(\.id) == positions.map { records[$0].id })
            #expect(identities.map(\.version) == positions.map { records[$0].versionText })
            #expect(document.identities(at: []).isEmpty)
        }
    }

    @Test func anInvalidLineInALaterBlockIsNamed() throws {
        var lines = (0..<40).map { Self.indicator($0, padding: 100) }
        lines[33] = #"{"type":"indicator","id":"#
        try Self.withFile(lines.joined(separator: "\n") + "\n") { path in
            let source = try #require(DocumentBytes.file(atPath: path))
            let error = #expect(throws: STIXDocumentError.self) {
                try STIXBundleDecoder.parse(source, as: .jsonLines, limits: .init(readBlockBytes: 512))
            }
            #expect(error?.code == .invalidJSON)
            #expect(error?.message.hasPrefix("line 34:") == true, "\(error?.message ?? "")")
        }
    }

    @Test func aLineLongerThanTheLimitIsRefusedNamingIt() throws {
        let text = [Self.indicator(1), Self.indicator(2, padding: 5_000), Self.indicator(3)].joined(separator: "\n")
        try Self.withFile(text) { path in
            let source = try #require(DocumentBytes.file(atPath: path))
            let error = #expect(throws: STIXDocumentError.self) {
                try STIXBundleDecoder.parse(source, as: .jsonLines, limits: .init(maxLineBytes: 4_096, readBlockBytes: 256))
            }
            #expect(error?.code == .lineTooLong)
            #expect(error?.message.hasPrefix("line 2:") == true, "\(error?.message ?? "")")
            // Within the limit, the same file reads.
            let document = try STIXBundleDecoder.parse(
                source, as: .jsonLines, limits: .init(maxLineBytes: 8_192, readBlockBytes: 256))
            #expect(Self.records(document).count == 3)
        }
    }

    @Test func aFileShortenedAfterItWasReadGivesUnreadableObjectsNotACrash() throws {
        try Self.withFile(Self.text) { path in
            let source = try #require(DocumentBytes.file(atPath: path))
            let document = try STIXBundleDecoder.parse(source, as: .jsonLines)
            try Data(Self.text.utf8.prefix(1_000)).write(to: URL(fileURLWithPath: path))
            let decoded = document.decode(250..<300)
            #expect(decoded.count == 50)
            for object in decoded {
                guard case .invalid(_, _, let violations) = object else {
                    Issue.record("read past the end of the file")
                    continue
                }
                #expect(violations.first?.message.contains("cannot be read again") == true)
            }
        }
    }

    @Test func onlyARegularFileIsReadWhereItLies() {
        #expect(DocumentBytes.file(atPath: "/dev/null") == nil)
        #expect(DocumentBytes.file(atPath: "/no/such/file.jsonl") == nil)
        #expect(DocumentBytes.file(atPath: FileManager.default.temporaryDirectory.path) == nil)
    }

    @Test func aBundleInAFileIsReadWhole() throws {
        let bundle = #"{"type":"bundle","id":"bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8","objects":[\#(Self.indicator(5))]}"#
        try Self.withFile(bundle) { path in
            let source = try #require(DocumentBytes.file(atPath: path))
            #expect(source.count == bundle.utf8.count)
            #expect(source.prefix(9) == Array(#"{"type":""#.utf8))
            let document = try STIXBundleDecoder.parse(source, as: .automatic)
            #expect(Self.records(document).map(\.id) == ["indicator--6ba7b810-9dad-41d1-80b4-000000000005"])
        }
    }
}
