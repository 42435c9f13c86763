import NIOCore

/// One reply of an SMTP server (RFC 5321 section 4.2): a three-digit code and one or more lines of
/// text (`250-` … `250 `).
struct SMTPReply: Sendable, Hashable {
    var code: Int
    /// The text of each line after the code and its separator, control characters replaced by "?".
    var lines: [String]
    /// Whether more bytes had already arrived after this reply's last line. Nothing may follow the
    /// reply to STARTTLS before TLS: such bytes would be read as if they had come over TLS.
    var followedByData = false

    /// 2yz: positive completion.
    var isPositive: Bool { (200..<300).contains(code) }
    /// The lines joined for messages, in one line.
    var text: String { lines.filter { !$0.isEmpty }.joined(separator: " / ") }
}

extension SMTPError {
    /// A negative or unexpected reply to `command`.
    init(rejected reply: SMTPReply, command: String, _ message: String) {
        self.init(.rejected, message, command: command, replyCode: reply.code, serverText: reply.text)
    }
}

/// Splits what the server sends into ``SMTPReply`` values, with hard limits so that a hostile or
/// broken server cannot make the client hold unbounded memory: a line is at most `maxLineBytes`
/// including its CRLF and a reply at most `maxLines` lines. Lines end with CRLF only (RFC 5321
/// section 2.3.8); every line of a reply carries the same code, all but the last followed by "-".
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    /// RFC 5321 section 4.5.3.1.5 allows 512 octets; twice that tolerates servers that exceed it.
    static let defaultMaxLineBytes = 1024
    /// An EHLO reply lists a dozen extensions; nothing legitimate comes near this.
    static let defaultMaxLines = 128

    let maxLineBytes: Int
    let maxLines: Int
    private var code: Int?
    private var lines: [String] = []

    init(maxLineBytes: Int = defaultMaxLineBytes, maxLines: Int = defaultMaxLines) {
        self.maxLineBytes = maxLineBytes
        self.maxLines = maxLines
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let reply = try next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(reply))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // A partial reply at the end is dropped: the handler reports the closed connection.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    /// The next complete reply in `buffer`, consuming its bytes; nil while one is incomplete.
    mutating func next(from buffer: inout ByteBuffer) throws -> SMTPReply? {
        while let line = try nextLine(from: &buffer) {
            guard line.count >= 3, line.count == 3 || line[3] == UInt8(ascii: "-") || line[3] == UInt8(ascii: " "),
                let code = Self.code(line.prefix(3))
            else {
                throw SMTPError(
                    .protocolViolation, "malformed reply line from the server: \(SMTPError.printable(line.prefix(80)))")
            }
            if let expected = self.code, expected != code {
                throw SMTPError(.protocolViolation, "reply lines with different codes (\(expected), then \(code))")
            }
            guard lines.count < maxLines else {
                throw SMTPError(.protocolViolation, "reply of more than \(maxLines) lines")
            }
            self.code = code
            lines.append(SMTPError.printable(line.dropFirst(4)))
            if line.count == 3 || line[3] == UInt8(ascii: " ") {
                let reply = SMTPReply(code: code, lines: lines, followedByData: buffer.readableBytes > 0)
                self.code = nil
                lines = []
                return reply
            }
        }
        return nil
    }

    /// The next line without its CRLF, or nil while none is complete.
    private func nextLine(from buffer: inout ByteBuffer) throws -> [UInt8]? {
        let view = buffer.readableBytesView
        var searchFrom = view.startIndex
        while let newline = view[searchFrom...].firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - view.startIndex + 1
            if length > maxLineBytes { break }
            if newline > view.startIndex, view[newline - 1] == UInt8(ascii: "\r") {
                return Array(buffer.readBytes(length: length)!.dropLast(2))
            }
            searchFrom = newline + 1  // a bare LF is part of the line (section 2.3.8)
        }
        if view.count >= maxLineBytes {
            throw SMTPError(.protocolViolation, "reply line longer than \(maxLineBytes) bytes")
        }
        return nil
    }

    /// A reply code: 2-5, 0-5, 0-9 (RFC 5321 section 4.2).
    private static func code(_ digits: ArraySlice<UInt8>) -> Int? {
        let values = digits.map { Int($0) - Int(UInt8(ascii: "0")) }
        guard values.count == 3, (2...5).contains(values[0]), (0...5).contains(values[1]), (0...9).contains(values[2])
        else { return nil }
        return values[0] * 100 + values[1] * 10 + values[2]
    }
}
