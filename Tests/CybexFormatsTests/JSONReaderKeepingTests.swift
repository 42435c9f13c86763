import CybexFormats
import Testing

/// The first pass over a document checks every object as strictly as the full reader while building
/// only a few members: for any input, both must refuse it with the same error at the same place, or
/// both accept it, the kept members equal to the full reader's.
@Suite struct JSONReaderKeepingTests {
    static let kept: Set<String> = ["type", "id", "object_marking_refs"]
    static let small = JSONLimits(maxDepth: 6, maxStringBytes: 40, maxValues: 60)

    static func text(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Valid documents and documents wrong in one way each, most of the faults in a member the first
    /// pass does not keep.
    static let documents: [[UInt8]] =
        [
            #"{"type":"indicator","id":"indicator--1","pattern":"[x:y = 'z']","n":[1,2.5,-3e10,true,false,null,{}]}"#,
            #"{"type":"x","object_marking_refs":["m1","m2"],"nested":{"a":{"b":[{"c":"d"}]}}}"#,
            #"{}"#, #"[]"#, #"[{"type":"x"}]"#, #""just a string""#, #"42"#, #" {"type" : "x" } "#,
            #"{"type":"x","description":"caf\u00e9 \"quoted\" \n \/ \ud83d\ude00"}"#,
            #"{"type":"x","a":1,}"#, #"{"type":"x","a":[1,]}"#, #"{"type":"x" "a":1}"#, #"{"type":"x","a" 1}"#,
            #"{"type":"x","a":tru}"#, #"{"type":"x","a":nul}"#, #"{"type":"x","a":01}"#, #"{"type":"x","a":1.}"#,
            #"{"type":"x","a":-}"#, #"{"type":"x","a":1e}"#, #"{"type":"x","a":+1}"#, #"{"type":"x","a":.5}"#,
            #"{"type":"x","a":"\x"}"#, #"{"type":"x","a":"\ud800"}"#, #"{"type":"x","a":"\u12"}"#,
            #"{"type":"x","a":"\udc00\ud800"}"#, #"{"type":"x","a":"unterminated}"#, #"{"type":"x","a":{"b":1}"#,
            #"{"type":"x","a":[1,2"#, #"{"type":"x","type":"y"}"#, #"{"type":"x","a":{"b":1,"b":2}}"#,
            #"{"type":"x","a":[{"b":1},{"c":1,"c":2}]}"#, #"{"type":"x"} trailing"#, #"{"type":"x"}{}"#,
            #"{"type":"x","a":[[[[[[[1]]]]]]]}"#, #"{"type":"x","a":"0123456789012345678901234567890123456789X"}"#,
            #"{"type":"x","a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,"#
                + #"31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60]}"#,
            #"{"type":"x",1:2}"#, #"{"type":"x","a":}"#, #"{"type":"x","#, #""#,
            #"{"type":"#, #"{"type":"x","a":[}"#, #"{"type":"x","a":"#,
            "{\"type\":\"x\"," + (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k7\":0}",
            "{\"type\":\"x\",\"a\":{" + (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k19\":0}}",
            "{\"type\":\"x\",\"a\":\"" + String(repeating: "9", count: 30) + "\",\"n\":" + String(repeating: "9", count: 4_097)
                + "}",
        ].map(text) + [
            // Bytes that are not UTF-8 in a skipped string, a kept string and a member name.
            text(#"{"type":"x","a":""#) + [0xC3, 0x28] + text(#""}"#),
            text(#"{"type":"x","a":""#) + [0xC0, 0xAF] + text(#""}"#),
            text(#"{"type":"x","a":""#) + [0xED, 0xA0, 0x80] + text(#""}"#),
            text(#"{"type":"x","a":""#) + [0xF4, 0x90, 0x80, 0x80] + text(#""}"#),
            text(#"{"type":"x","a":""#) + [0xE2, 0x82] + text(#""}"#),
            text(#"{"type":"x","a":""#) + [0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80] + text(#""}"#),
            text(#"{"type":""#) + [0xFF] + text(#""}"#),
            text(#"{"type":"x",""#) + [0xC3] + text(#"":1}"#),
            text(#"{"type":"x","a":"control"#) + [0x01] + text(#""}"#),
            text(#"{"type":"x","a":"tab"#) + [0x09] + text(#"inside"}"#),
        ]

    static func outcome(_ body: () throws(JSONError) -> JSONValue) -> Result<JSONValue, JSONError> {
        do throws(JSONError) {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }

    /// What the first pass keeps of a value the full reader read.
    static func kept(of value: JSONValue) -> JSONValue {
        guard case .object(let members) = value else { return value }
        return .object(members.filter { kept.contains($0.key) })
    }

    @Test(arguments: [JSONLimits.default, small])
    func theFirstPassRefusesWhatTheReaderRefusesWithTheSameError(limits: JSONLimits) {
        var refused = 0
        for document in Self.documents {
            let full = Self.outcome { () throws(JSONError) in try JSONReader.parse(document, limits: limits) }
            let first = Self.outcome { () throws(JSONError) in
                try JSONReader.parse(document, keepingMembers: Self.kept, limits: limits)
            }
            switch (full, first) {
            case (.success(let value), .success(let keptValue)):
                #expect(Self.kept(of: value) == keptValue, "\(String(decoding: document, as: UTF8.self))")
            case (.failure(let error), .failure(let firstError)):
                refused += 1
                #expect(error == firstError, "\(String(decoding: document, as: UTF8.self))")
            default:
                Issue.record("the passes disagree on \(String(decoding: document, as: UTF8.self)): \(full) against \(first)")
            }
        }
        // Most of the table is refused (more under the small limits): the comparison is of errors.
        #expect(refused >= 40)
    }

    @Test func aBundlesObjectsAreCheckedAsStrictlyInTheFirstPass() throws {
        // A duplicate member deep inside an object the first pass does not keep refuses the whole
        // bundle, with the reader's words.
        let bundle = Self.text(
            #"{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":["#
                + #"{"type":"x","id":"x--1","ext":{"a":[{"b":1,"b":2}]}}]}"#)
        #expect(throws: STIXDocumentError.self) { _ = try STIXBundleDecoder.parse(bundle, as: .bundle) }
        do {
            _ = try STIXBundleDecoder.parse(bundle, as: .bundle)
        } catch {
            #expect(error.code == .invalidJSON)
            #expect(error.message.contains("duplicate member name \"b\""))
        }
        let lines = Self.text(#"{"type":"x","id":"x--1"}"# + "\n" + #"{"type":"x","a":"\q"}"# + "\n")
        do {
            _ = try STIXBundleDecoder.parse(lines, as: .jsonLines)
            Issue.record("an invalid escape on line 2 was accepted")
        } catch {
            #expect(error.code == .invalidJSON)
            #expect(error.message.hasPrefix("line 2:"))
        }
    }
}
