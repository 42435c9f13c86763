import CybexFormats
import Testing

@Suite struct JSONWriterTests {
    @Test(arguments: [
        #"{"b":1,"a":[true,false,null,{"z":"s"}],"c":{},"d":[]}"#,
        #"{"n":[0,-0,1.50,1E+2,1e-7,123456789012345678901234567890]}"#,
        #"{"s":"quote \" backslash \\ slash / tab \t nl \n cr \r ctl \u0001 é 😀"}"#,
        #"[]"#, #""x""#, "42", "null",
    ])
    func roundTripsThroughTheReader(text: String) throws {
        let value = try JSONReader.parse(Array(text.utf8))
        let written = JSONWriter.bytes(value)
        #expect(try JSONReader.parse(written) == value)
        #expect(JSONWriter.string(value) == String(decoding: written, as: UTF8.self))
        // Writing is stable: what was written writes back the same.
        #expect(JSONWriter.bytes(try JSONReader.parse(written)) == written)
    }

    @Test func writesCompactlyInStoredOrder() throws {
        let value = try JSONReader.parse(Array("{ \"z\" : [ 1 , 2.0 ] ,\n \"a\" : { \"k\" : \"v\" } }".utf8))
        #expect(JSONWriter.string(value) == #"{"z":[1,2.0],"a":{"k":"v"}}"#)
    }

    @Test func escapesOnlyWhatJSONRequires() {
        let value = JSONValue.string("\"\\\n\r\t\u{01}\u{1F}/é\u{2028}")
        #expect(JSONWriter.string(value) == #""\"\\\n\r\t\u0001\u001f/é"# + "\u{2028}\"")
        // Runs without escapes before, between and after the escaped bytes are kept whole.
        let mixed = JSONValue.string("ab\"cd\\ef\ngh é")
        #expect(JSONWriter.string(mixed) == #""ab\"cd\\ef\ngh é""#)
        #expect(JSONWriter.string(.string("")) == #""""#)
        #expect(
            JSONWriter.string(.string(String(repeating: "x", count: 10_000))) == "\"" + String(repeating: "x", count: 10_000)
                + "\"")
    }

    @Test func compactionRemovesOnlyWhiteSpaceBetweenTokens() {
        let input = "{\n  \"a b\" : \"x  y\\\"  z\\u00e9\" ,\t\"n\" : 1.50E+2 , \"l\" : [ true , null ]\r\n}"
        let expected = #"{"a b":"x  y\"  z\u00e9","n":1.50E+2,"l":[true,null]}"#
        let compacted = Array(input.utf8).withUnsafeBufferPointer { JSONWriter.compact($0) }
        #expect(String(decoding: compacted, as: UTF8.self) == expected)
    }

    @Test func compactionKeepsEscapedBackslashBeforeQuote() {
        let input = #"[ "a\\" , "b" ]"#
        let compacted = Array(input.utf8).withUnsafeBufferPointer { JSONWriter.compact($0) }
        #expect(String(decoding: compacted, as: UTF8.self) == #"["a\\","b"]"#)
    }

    @Test func compactedTextParsesToTheSameValue() throws {
        let input = "{ \"type\" : \"indicator\" ,\n \"pattern\" : \"[file:name = 'a b']\" , \"n\" : [ 1 , -0.0 ] }"
        let bytes = Array(input.utf8)
        let compacted = bytes.withUnsafeBufferPointer { JSONWriter.compact($0) }
        #expect(try JSONReader.parse(compacted) == (try JSONReader.parse(bytes)))
    }
}
