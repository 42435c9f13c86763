import CybexTestSupport
import Foundation
import Testing

@testable import CybexFormats

/// A large document's captured array is read in parts, side by side, from guesses of where its
/// elements start. Whatever the guesses hit (a string that looks like the gap between two objects,
/// an error, the value limit), the result must be the one thread's: the same members, ranges and
/// notes, or the same error at the same offset.
@Suite struct JSONReaderPartsTests {
    static let kept: Set<String> = ["type", "id", "object_marking_refs"]

    /// What a part keeps of each element in these tests: its position and its kept members, written out.
    typealias Notes = [String]

    static func read(_ bytes: [UInt8], parts: Int, limits: JSONLimits = .default) -> Result<String, JSONError> {
        do {
            let (top, notes) = try JSONReader.scanObject(
                bytes, capturingArray: "objects", keepingMembers: kept, limits: limits, parts: parts, minimumBytesPerPart: 1,
                notes: Notes(),
                note: { notes, value, position in
                    notes.append("\(position): \(String(decoding: JSONWriter.bytes(value), as: UTF8.self))")
                },
                merge: { notes, part, offset in
                    notes += part.map { line in
                        let colon = line.firstIndex(of: ":")!
                        return "\(Int(line[..<colon])! + offset)\(line[colon...])"
                    }
                })
            return .success(describe(top, notes))
        } catch {
            return .failure(error)
        }
    }

    /// The one-thread reader's answer, in the same form.
    static func readOnce(_ bytes: [UInt8], limits: JSONLimits = .default) -> Result<String, JSONError> {
        do {
            var notes: Notes = []
            let top = try JSONReader.scanObject(bytes, capturingArray: "objects", keepingMembers: kept, limits: limits) {
                value, _ in notes.append("\(notes.count): \(String(decoding: JSONWriter.bytes(value), as: UTF8.self))")
            }
            return .success(describe(top, notes))
        } catch {
            return .failure(error)
        }
    }

    static func describe(_ top: JSONObjectWithRawRanges, _ notes: Notes) -> String {
        let members = top.members.map { "\($0.key)=\(String(decoding: JSONWriter.bytes($0.value), as: UTF8.self))" }
        return "members \(members) array \(top.arrayPresent) ranges \(top.ranges) notes \(notes)"
    }

    /// A bundle of `count` objects; `text(i)` is the description of object `i`.
    static func bundle(_ count: Int, pretty: Bool = false, text: (Int) -> String = { "object \($0)" }) -> String {
        let separator = pretty ? ",\n    " : ","
        let objects = (0..<count).map { i in
            #"{"type":"indicator","id":"indicator--\#(i)","description":"\#(text(i))","n":[\#(i),{"k":\#(i)}],"#
                + #""object_marking_refs":["marking-definition--\#(i % 3)"]}"#
        }
        return #"{"type":"bundle","id":"bundle--1","objects":[\#(pretty ? "\n    " : "")"#
            + objects.joined(separator: separator) + #"],"after":{"a":[1,2]}}"#
    }

    static func expectSame(_ text: String, limits: JSONLimits = .default, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = Array(text.utf8)
        let once = readOnce(bytes, limits: limits)
        for parts in [2, 3, 4, 7, 16] {
            #expect(read(bytes, parts: parts, limits: limits) == once, "\(parts) parts", sourceLocation: sourceLocation)
        }
    }

    @Test func aValidBundleReadsTheSameInAnyNumberOfParts() throws {
        for pretty in [false, true] {
            let text = Self.bundle(200, pretty: pretty)
            Self.expectSame(text)
            guard case .success(let answer) = Self.read(Array(text.utf8), parts: 4) else {
                Issue.record("the bundle was refused")
                continue
            }
            #expect(answer.hasSuffix(#"indicator--199\",\"object_marking_refs\":[\"marking-definition--1\"]}"]"#))
            #expect(answer.hasPrefix(#"members ["type=\"bundle\"", "id=\"bundle--1\"", "after={\"a\":[1,2]}"] array true"#))
        }
    }

    @Test func theGuessesFallWhereElementsStart() throws {
        let text = Array(Self.bundle(100).utf8)
        let guesses = text.withUnsafeBufferPointer { ElementGuesses.find(in: $0, parts: 4) }
        #expect(guesses.count == 3)
        for guess in guesses {
            #expect(text[guess] == UInt8(ascii: "{"))
            #expect(Array(text[guess - 2..<guess]) == Array("},".utf8))
        }
        #expect(guesses == guesses.sorted())
    }

    /// Descriptions that hold the gap between two objects: many guesses fall inside strings.
    @Test func guessesInsideStringsAreLetGo() throws {
        let tricky = [#"}, {"#, #"},{\"type\":\"x\"}, {"#, #"}]}, {"#, #"}\n,\t{"#, #"}, {\"id\":\"indicator--1\"}"#]
        Self.expectSame(Self.bundle(300) { tricky[$0 % tricky.count] })
        Self.expectSame(Self.bundle(300, pretty: true) { tricky[$0 % tricky.count] })
        // Every description is such a string.
        Self.expectSame(Self.bundle(50) { _ in String(repeating: "}, {", count: 200) })
    }

    /// An error anywhere: each part's reader may meet it first, the answer is the one thread's.
    @Test func errorsAreTheOneThreadsWhicheverPartMeetsThem() throws {
        let good = Self.bundle(120)
        let faults: [(String, String)] = [
            (#""n":[60,"#, #""n":[60,,"#),  // a syntax error in the middle
            (#""n":[119,"#, #""n":[119,01,"#),  // a bad number near the end
            (#""id":"indicator--90""#, #""id":"indicator--90","id":"x""#),  // a duplicate member
            (#""description":"object 30""#, #""description":"object 30\x""#),  // a bad escape
            (#"{"k":100}"#, #"{"k":100"#),  // unbalanced
            (#"],"after""#, #"]"after""#),  // the array's end
            (#"{"a":[1,2]}}"#, #"{"a":[1,2]}} x"#),  // trailing data
            (#"{"type":"indicator","id":"indicator--61""#, #"7,{"type":"indicator","id":"indicator--61""#),  // not an object
        ]
        for (from, to) in faults {
            let text = good.replacingOccurrences(of: from, with: to)
            #expect(text != good, "\(from)")
            #expect((try? Self.readOnce(Array(text.utf8)).get()) == nil || from.contains("indicator--61"), "\(from)")
            Self.expectSame(text)
        }
        // Bytes that are not UTF-8, late in the document.
        var bytes = Array(good.utf8)
        let place = bytes.count * 3 / 4
        let quote = bytes[place...].firstIndex(of: UInt8(ascii: "j"))!  // inside "object …"
        bytes[quote] = 0xC3
        bytes.insert(0x28, at: quote + 1)
        let once = Self.readOnce(bytes)
        guard case .failure(let error) = once else {
            Issue.record("bytes that are not UTF-8 were read")
            return
        }
        #expect(error.code == .invalidUTF8)
        for parts in [2, 3, 5] { #expect(Self.read(bytes, parts: parts) == once) }
    }

    /// The value limit is the document's: a part whose values would pass it is read again by the
    /// calling thread, which fails where one thread fails; one value fewer is accepted.
    @Test func theValueLimitCountsTheWholeDocument() throws {
        let text = Self.bundle(100)
        guard case .success = Self.readOnce(Array(text.utf8)) else {
            Issue.record("the bundle was refused")
            return
        }
        var values = 0
        for limit in [50, 500, 1_000, 1_203, 1_204, 1_205, 100_000] {
            let limits = JSONLimits(maxValues: limit)
            Self.expectSame(text, limits: limits)
            if case .success = Self.readOnce(Array(text.utf8), limits: limits), values == 0 { values = limit }
        }
        #expect(values > 0)
        // Depth: an element too deep for the limits, far into the array.
        let deep = text.replacingOccurrences(of: #"{"k":77}"#, with: #"{"k":[[[[[[[[77]]]]]]]]}"#)
        Self.expectSame(deep, limits: JSONLimits(maxDepth: 8))
        // A string too long, far into the array.
        let long = text.replacingOccurrences(of: #""object 88""#, with: "\"" + String(repeating: "x", count: 300) + "\"")
        Self.expectSame(long, limits: JSONLimits(maxStringBytes: 200))
    }

    /// Documents made at random and then broken at random bytes: the parts agree with one thread
    /// on every one.
    @Test func randomDocumentsAndRandomFaultsAgree() throws {
        var generator = SeededGenerator(state: 20_261_206)
        let pieces = [#"}, {"#, #"\""#, #"\\"#, "é", #"]"#, #"{"#, #","#, " ", "\n", #"\u0041"#]
        let replacements: [UInt8] = Array(#"{}[],:"\ 0a"#.utf8) + [0xFF, 0xC3]
        for round in 0..<60 {
            let count = 20 + Int(generator.next() % 80)
            let text = Self.bundle(count, pretty: round % 2 == 0) { i in
                (0..<Int(generator.next() % 4)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }
                    .joined() + "\(i)"
            }
            var bytes = Array(text.utf8)
            if round % 3 != 0 {
                for _ in 0..<(1 + Int(generator.next() % 2)) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] =
                        replacements[Int(generator.next() % UInt64(replacements.count))]
                }
            }
            let once = Self.readOnce(bytes)
            for parts in [2, 3, 6] {
                #expect(Self.read(bytes, parts: parts) == once, "round \(round), \(parts) parts")
            }
        }
    }

    /// What the STIX reader builds from a large bundle read in parts: the marking ids and the
    /// positions of the marking definitions, as read by one thread.
    @Test func theMarkingsOfALargeBundleAreNotedInOrder() throws {
        let objects = (0..<40_000).map { i in
            i % 1_000 == 999
                ? #"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--\#(i)","created":"2020-01-01T00:00:00Z","name":"m\#(i)","extensions":{}}"#
                : #"{"type":"note","id":"note--\#(i)","content":"}, {\"x\":1} \#(String(repeating: "c", count: 200))","object_marking_refs":["marking-definition--\#(i / 1_000 * 1_000 + 999)"]}"#
        }
        let bytes = Array(
            (#"{"type":"bundle","id":"bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8","objects":["#
                + objects.joined(separator: ",\n") + "]}").utf8)
        #expect(bytes.count > 2 * JSONReader.minimumBytesPerPart)
        let document = try STIXBundleDecoder.parse(bytes, as: .bundle)
        #expect(document.count == 40_000)
        #expect(document.markings.definitionPositions == (0..<40).map { $0 * 1_000 + 999 })
        let (referenced, defined) = document.markingIDs()
        #expect(referenced == Set((0..<40).map { "marking-definition--\($0 * 1_000 + 999)" }))
        #expect(defined == referenced)
        #expect(document.ranges.first.map { bytes[$0].starts(with: Array(#"{"type":"note","id":"note--0""#.utf8)) } == true)
        #expect(document.ranges.last.map { bytes[$0].last } == UInt8(ascii: "}"))
    }
}
