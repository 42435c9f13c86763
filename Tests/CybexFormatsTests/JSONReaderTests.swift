import CybexFormats
import Foundation
import Testing

@Suite struct JSONReaderTests {
    func parse(_ text: String, limits: JSONLimits = .default) throws(JSONError) -> JSONValue {
        try JSONReader.parse(Array(text.utf8), limits: limits)
    }

    func error(_ bytes: [UInt8], limits: JSONLimits = .default) -> JSONError? {
        do {
            _ = try JSONReader.parse(bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    func error(_ text: String, limits: JSONLimits = .default) -> JSONError? { error(Array(text.utf8), limits: limits) }

    // MARK: Valid documents

    @Test func readsScalars() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse(" false ") == .bool(false))
        #expect(try parse("\"x\"") == .string("x"))
        #expect(try parse("\t\r\n 42 \n") == .number("42"))
    }

    @Test(arguments: ["0", "-0", "1.50", "1E+2", "1e-7", "-12.5e10", "123456789012345678901234567890", "0.000"])
    func keepsNumbersAsWritten(text: String) throws {
        #expect(try parse(text) == .number(text))
        #expect(try parse("[\(text)]") == .array([.number(text)]))
    }

    @Test func keepsMemberOrderAndNesting() throws {
        let value = try parse(#"{"b": 1, "a": [true, {"z": null, "y": "s"}], "c": {}}"#)
        #expect(value.objectMembers?.map { $0.key } == ["b", "a", "c"])
        #expect(value["a"]?.arrayValue?[1]["y"] == .string("s"))
        #expect(value["c"] == .object([]))
        #expect(value["missing"] == nil)
    }

    @Test func decodesEscapes() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""\u00e9\u00E9""#) == .string("éé"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse("\"\u{1F600} raw\"") == .string("😀 raw"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func accessors() throws {
        let value = try parse(#"{"n": 7, "f": 7.5, "big": 9223372036854775808, "s": "x", "b": true, "l": [1]}"#)
        #expect(value["n"]?.integerValue == 7)
        #expect(value["f"]?.integerValue == nil)
        #expect(value["f"]?.doubleValue == 7.5)
        #expect(value["big"]?.integerValue == nil)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["b"]?.boolValue == true)
        #expect(value["l"]?.arrayValue?.count == 1)
        #expect(value["s"]?.kindName == "string")
        #expect(value.kindName == "object")
    }

    // MARK: Errors, one per code

    @Test(arguments: [
        ("", JSONError.Code.unexpectedEnd),
        ("{\"a\":", .unexpectedEnd),
        ("[1,", .unexpectedEnd),
        ("\"abc", .unexpectedEnd),
        ("tru", .unexpectedEnd),
        ("{\"a\":1", .unexpectedEnd),
        ("{a:1}", .unexpectedCharacter),
        ("[1 2]", .unexpectedCharacter),
        ("nulx", .unexpectedCharacter),
        ("{\"a\" 1}", .unexpectedCharacter),
        ("'x'", .unexpectedCharacter),
        ("[01]", .unexpectedCharacter),
        (".5", .unexpectedCharacter),
        ("[1,]", .unexpectedCharacter),
        ("{\"a\":1,}", .unexpectedCharacter),
        ("\u{FEFF}{}", .unexpectedCharacter),  // a byte order mark is not JSON white space
        (#""\x""#, .invalidString),
        (#""\u12""#, .invalidString),
        (#""\u12G4""#, .invalidString),
        ("\"tab\there\"", .invalidString),
        ("\"new\nline\"", .invalidString),
        (#""\ud800""#, .invalidString),
        (#""\udc00""#, .invalidString),
        (#""\ud800\u0041""#, .invalidString),
        (#""\ud800x""#, .invalidString),
        ("-", .invalidNumber),
        ("-a", .invalidNumber),
        ("1.", .invalidNumber),
        ("1.e3", .invalidNumber),
        ("1e", .invalidNumber),
        ("1e+", .invalidNumber),
        (#"{"a":1,"a":2}"#, .duplicateKey),
        (#"{"x":{"k":1,"k":1}}"#, .duplicateKey),
        (#"{"\u0061":1,"a":2}"#, .duplicateKey),  // the same key once unescaped
        ("{} x", .trailingData),
        ("1 2", .trailingData),
        ("[]]", .trailingData),
        ("01", .trailingData),
    ])
    func reportsErrorCodes(text: String, code: JSONError.Code) {
        let error = error(text)
        #expect(error?.code == code, "\(text.debugDescription): \(String(describing: error))")
    }

    @Test func duplicateKeysInLargeObjects() {
        var members = (0..<40).map { "\"k\($0)\":\($0)" }
        #expect(error("{" + members.joined(separator: ",") + "}") == nil)
        members.append("\"k7\":0")
        #expect(error("{" + members.joined(separator: ",") + "}")?.code == .duplicateKey)
    }

    @Test func errorsCarryOffsetAndMessage() throws {
        let failure = try #require(error(#"{"a": tru}"#))
        #expect(failure.code == .unexpectedCharacter)
        #expect(failure.offset == 9)
        #expect(failure.description.hasPrefix("invalid JSON at byte 9"))
    }

    @Test(
        arguments: [
            [0x22, 0xFF, 0x22],  // not UTF-8 at all
            [0x22, 0xC0, 0xAF, 0x22],  // overlong encoding of '/'
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // an encoded surrogate
            [0x22, 0xE2, 0x82, 0x22],  // truncated sequence
            [0x22, 0x5C, 0x6E, 0xFF, 0x22],  // invalid after an escape
        ] as [[UInt8]])
    func rejectsInvalidUTF8(bytes: [UInt8]) {
        #expect(error(bytes)?.code == .invalidUTF8)
    }

    // MARK: Limits

    @Test func depthLimit() {
        let limits = JSONLimits(maxDepth: 4)
        #expect(error("[[[[1]]]]", limits: limits) == nil)
        #expect(error("[[[[[1]]]]]", limits: limits)?.code == .tooDeep)
        #expect(error(#"{"a":{"b":{"c":{"d":{}}}}}"#, limits: limits)?.code == .tooDeep)
        #expect(error(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) == nil)
        #expect(error(String(repeating: "[", count: 65) + String(repeating: "]", count: 65))?.code == .tooDeep)
    }

    @Test func hostileDeepNestingIsRejectedFast() {
        let hostile =
            Array(repeating: UInt8(ascii: "["), count: 100_000) + Array(repeating: UInt8(ascii: "]"), count: 100_000)
        let clock = ContinuousClock()
        var failure: JSONError?
        let elapsed = clock.measure { failure = error(hostile) }
        #expect(failure?.code == .tooDeep)
        #expect(elapsed < .seconds(1))
        let objects = Array(String(repeating: "{\"a\":", count: 100_000).utf8)
        #expect(error(objects)?.code == .tooDeep)
    }

    @Test func stringLengthLimit() {
        let limits = JSONLimits(maxStringBytes: 8)
        #expect(error("\"12345678\"", limits: limits) == nil)
        #expect(error("\"123456789\"", limits: limits)?.code == .tooLarge)
        #expect(error("{\"123456789\":1}", limits: limits)?.code == .tooLarge)
        let huge = "\"" + String(repeating: "a", count: 1 << 20) + "\""
        #expect(error(huge, limits: JSONLimits(maxStringBytes: 1 << 16))?.code == .tooLarge)
        #expect(error(huge) == nil)
    }

    @Test func valueCountLimit() {
        let limits = JSONLimits(maxValues: 4)
        #expect(error("[1,2,3]", limits: limits) == nil)
        #expect(error("[1,2,3,4]", limits: limits)?.code == .tooLarge)
    }

    @Test func numberLengthLimit() {
        #expect(error(String(repeating: "1", count: 4096)) == nil)
        #expect(error(String(repeating: "1", count: 4097))?.code == .tooLarge)
    }

    // MARK: Objects with a captured array

    @Test func capturesTheArrayOfABundleWithByteRanges() throws {
        let text = #"{"type": "bundle", "objects": [ {"a": 1}, [2] ,"s"], "id": "x"}"#
        let bytes = Array(text.utf8)
        let top = try JSONReader.parseObject(bytes, capturingArray: "objects")
        #expect(top.arrayPresent)
        #expect(top.members.map { $0.key } == ["type", "id"])
        #expect(
            top.elements.map { $0.value } == [.object([("a", .number("1"))]), .array([.number("2")]), .string("s")])
        #expect(
            top.elements.map { String(decoding: bytes[$0.range], as: UTF8.self) } == [#"{"a": 1}"#, "[2]", "\"s\""])
    }

    @Test func captureHandlesMissingOrNonArrayMembers() throws {
        let missing = try JSONReader.parseObject(Array(#"{"type":"bundle"}"#.utf8), capturingArray: "objects")
        #expect(!missing.arrayPresent)
        let notArray = try JSONReader.parseObject(Array(#"{"objects":{}}"#.utf8), capturingArray: "objects")
        #expect(!notArray.arrayPresent)
        #expect(notArray.members.map { $0.key } == ["objects"])
        #expect(throws: JSONError.self) { try JSONReader.parseObject(Array("[]".utf8), capturingArray: "objects") }
        #expect(throws: JSONError.self) {
            try JSONReader.parseObject(Array(#"{"objects":[],"objects":[]}"#.utf8), capturingArray: "objects")
        }
    }

    /// The scan shows each element once, keeps only its range, and refuses exactly what the
    /// full read refuses (an invalid element anywhere refuses the whole document).
    @Test func scanShowsEachElementAndKeepsOnlyItsRange() throws {
        let text = #"{"type": "bundle", "objects": [ {"a": 1}, [2] ,"s"], "id": "x"}"#
        let bytes = Array(text.utf8)
        var seen: [JSONValue] = []
        let top = try JSONReader.scanObject(bytes, capturingArray: "objects") { value, range in
            seen.append(value)
            #expect((try? JSONReader.parse(bytes[range])) == value)
        }
        #expect(top.arrayPresent && top.members.map { $0.key } == ["type", "id"])
        #expect(seen == [.object([("a", .number("1"))]), .array([.number("2")]), .string("s")])
        #expect(top.ranges.map { String(decoding: bytes[$0], as: UTF8.self) } == [#"{"a": 1}"#, "[2]", "\"s\""])
        for invalid in [
            #"{"objects":[{"a":1,"a":2}]}"#, #"{"objects":[{"a":1},]}"#, #"{"objects":[1] "x"}"#, #"{"objects":[[[[1]]]]}"#,
        ] {
            var limits = JSONLimits.default
            limits.maxDepth = 4
            #expect(throws: JSONError.self, "\(invalid)") {
                try JSONReader.scanObject(Array(invalid.utf8), capturingArray: "objects", limits: limits) { _, _ in }
            }
            #expect(throws: JSONError.self, "\(invalid)") {
                try JSONReader.parseObject(Array(invalid.utf8), capturingArray: "objects", limits: limits)
            }
        }
    }
}
