import Foundation
import Logging
import Testing

@testable import CybexHTTP

/// The log line is one JSON object on one line whatever the message and metadata hold: a log
/// collector reads it, and a request path or user name must not be able to forge a second line.
@Suite struct JSONLogHandlerTests {
    @Test func aLineIsOneJSONObjectWithTheFieldsInOrder() throws {
        let line = JSONLogHandler.line(
            time: 1_700_000_000_123_456, level: .info, label: "cybex", message: "Request",
            metadata: ["hb.request.path": "/taxii2/", "user": "ana", "hb.request.method": "GET"])
        let text = String(decoding: line, as: UTF8.self)
        #expect(
            text
                == #"{"time":"2023-11-14T22:13:20.123Z","level":"info","label":"cybex","message":"Request","hb.request.method":"GET","hb.request.path":"/taxii2/","user":"ana"}"#
                + "\n")
    }

    @Test func controlCharactersAndQuotesCannotBreakTheLine() throws {
        let hostile = "x\"}\n{\"level\":\"critical\\\u{0}\u{1B}"
        let line = JSONLogHandler.line(
            time: 0, level: .notice, label: "cybex", message: hostile, metadata: ["user": .string(hostile)])
        #expect(line.last == 0x0A)
        #expect(line.dropLast().allSatisfy { $0 != 0x0A && $0 >= 0x20 })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: String])
        #expect(object["message"] == hostile)
        #expect(object["user"] == hostile)
        #expect(object["level"] == "notice")
    }

    @Test func theEventsMetadataOverridesTheHandlers() {
        var handler = JSONLogHandler(label: "cybex")
        handler[metadataKey: "user"] = "ana"
        handler[metadataKey: "request"] = "1"
        let merged = JSONLogHandler.metadata(handler.metadata, with: ["user": "bob", "status": "200"])
        #expect(merged == ["user": "bob", "request": "1", "status": "200"])
        #expect(JSONLogHandler.metadata(handler.metadata, with: nil) == handler.metadata)
        #expect(JSONLogHandler.metadata(handler.metadata, with: [:]) == handler.metadata)
    }
}
