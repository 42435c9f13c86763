import NIOCore
import Testing

@testable import CybexHTTP

/// Replies as the SMTP client reads them (RFC 5321 section 4.2), with the limits that keep a
/// hostile server from holding the client's memory, and the EHLO extensions it learns.
@Suite("SMTP replies")
struct SMTPReplyDecoderTests {
    func replies(_ text: String, decoder: SMTPReplyDecoder = SMTPReplyDecoder()) throws -> [SMTPReply] {
        var decoder = decoder
        var buffer = ByteBuffer(string: text)
        var replies: [SMTPReply] = []
        while let reply = try decoder.next(from: &buffer) { replies.append(reply) }
        return replies
    }

    @Test func singleAndMultiLineReplies() throws {
        let decoded = try replies("220 relay.example.org ESMTP\r\n250-relay.example.org\r\n250-SIZE 1000\r\n250 STARTTLS\r\n")
        #expect(decoded.map(\.code) == [220, 250])
        #expect(decoded[0].lines == ["relay.example.org ESMTP"])
        #expect(decoded[1].lines == ["relay.example.org", "SIZE 1000", "STARTTLS"])
        #expect(decoded[0].followedByData && !decoded[1].followedByData)
    }

    @Test func aBareCodeIsAReply() throws {
        #expect(try replies("250\r\n354 \r\n").map(\.code) == [250, 354])
    }

    @Test func anIncompleteReplyWaitsForMoreBytes() throws {
        var decoder = SMTPReplyDecoder()
        var buffer = ByteBuffer(string: "250-first\r\n250 sec")
        #expect(try decoder.next(from: &buffer) == nil)
        buffer.writeString("ond\r\n")
        #expect(try decoder.next(from: &buffer)?.lines == ["first", "second"])
    }

    @Test func controlCharactersInTheTextAreReplaced() throws {
        #expect(try replies("550 bad\u{1B}[31m user\u{7F}\tx\nz\r\n").first?.lines == ["bad?[31m user?\tx?z"])
    }

    @Test(arguments: [
        "hello\r\n", "25\r\n", "2500 x\r\n", "250x\r\n", "650 x\r\n", "160 x\r\n", "260 x\r\n", "250-a\r\n251 b\r\n",
    ])
    func malformedRepliesAreProtocolViolations(text: String) {
        #expect {
            try replies(text)
        } throws: { ($0 as? SMTPError)?.code == .protocolViolation }
    }

    /// A line is refused as soon as the limit is reached without CRLF, not when it ends.
    @Test func lineAndLineCountLimits() throws {
        let decoder = SMTPReplyDecoder(maxLineBytes: 64, maxLines: 4)
        #expect(throws: SMTPError.self) { try replies("250 " + String(repeating: "x", count: 100), decoder: decoder) }
        #expect(throws: SMTPError.self) {
            try replies("250 " + String(repeating: "x", count: 59) + "\r\n", decoder: decoder)
        }
        #expect(try replies("250 " + String(repeating: "x", count: 58) + "\r\n", decoder: decoder).count == 1)
        #expect(throws: SMTPError.self) { try replies(String(repeating: "250-x\r\n", count: 5), decoder: decoder) }
        #expect(try replies(String(repeating: "250-x\r\n", count: 3) + "250 x\r\n", decoder: decoder).count == 1)
    }

    @Test func ehloExtensions() {
        let reply = SMTPReply(
            code: 250,
            lines: ["relay.example.org greets you", "SIZE 10240000", "starttls", "AUTH=LOGIN", "AUTH PLAIN LOGIN", "8BITMIME"])
        let extensions = SMTPSession.extensions(reply)
        #expect(extensions["SIZE"] == ["10240000"])
        #expect(extensions["STARTTLS"] == [])
        #expect(Set(extensions["AUTH"] ?? []) == ["LOGIN", "PLAIN"])
        #expect(extensions["RELAY.EXAMPLE.ORG"] == nil)
    }
}
