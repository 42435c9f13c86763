import CybexEngine
import Foundation

/// An ``OutboundMail`` written as an Internet message (RFC 5322) with MIME (RFC 2045, 2046, 2047):
/// CRLF line endings, every line 7-bit and short, ready for SMTP DATA (which dot-stuffs it).
///
/// - Headers: Date, From, To, Subject (encoded words when not plain ASCII), Message-ID,
///   MIME-Version, Auto-Submitted (RFC 3834, so that auto-responders stay quiet).
/// - A body only: text/plain; charset=utf-8, quoted-printable (base64 when mostly non-ASCII).
/// - With attachments: multipart/mixed, the text first, then each attachment base64 in lines of 76.
///
/// Addresses, the subject, file names and media types are checked first: a line break or other
/// control character in any of them is refused (header injection), as is an address that is not a
/// plain `local@domain`.
struct MIMEMessage: Sendable {
    /// The message, lines ending with CRLF.
    let bytes: [UInt8]
    let messageID: String

    /// `date`, `messageID` (without angle brackets) and `boundary` are for tests; by default the
    /// current time and random values.
    init(_ mail: OutboundMail, date: Date = Date(), messageID: String? = nil, boundary: String? = nil) throws {
        try MailAddress.validate(mail.from, role: "sender")
        guard !mail.to.isEmpty else { throw SMTPError(.invalidMessage, "the message has no recipient") }
        for recipient in mail.to { try MailAddress.validate(recipient, role: "recipient") }
        try Self.checkHeaderText(mail.subject, what: "subject")
        let domain = mail.from[mail.from.index(after: mail.from.lastIndex(of: "@")!)...].lowercased()
        self.messageID = messageID ?? "\(Self.randomHex(16)).\(Int(date.timeIntervalSince1970))@\(domain)"
        let boundary = boundary ?? "=_cybex_\(Self.randomHex(12))"

        var lines: [String] = [
            "Date: \(Self.rfc5322Date(date))",
            "From: \(mail.from)",
            Self.folded("To:", mail.to.enumerated().map { $0.offset < mail.to.count - 1 ? $0.element + "," : $0.element }),
            Self.subject(mail.subject),
            "Message-ID: <\(self.messageID)>",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
        ]
        let body = Self.textBody(mail.text)
        if mail.attachments.isEmpty {
            lines += body.headers + [""] + body.lines
        } else {
            lines += ["Content-Type: multipart/mixed; boundary=\"\(boundary)\"", "", "This is a MIME message."]
            lines += ["--\(boundary)"] + body.headers + [""] + body.lines
            for attachment in mail.attachments {
                lines += ["--\(boundary)"] + (try Self.attachmentHeaders(attachment)) + [""]
                lines += Self.base64Lines(attachment.bytes)
            }
            lines.append("--\(boundary)--")
        }
        self.bytes = Array(lines.map { $0 + "\r\n" }.joined().utf8)
    }

    // MARK: Headers

    /// Refuses line breaks and other control characters (tab aside) in text bound for a header.
    static func checkHeaderText(_ text: String, what: String) throws {
        if text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw SMTPError(.invalidMessage, "the \(what) contains a line break (refused: header injection)")
        }
        if text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || (0x7F...0x9F).contains($0.value) }) {
            throw SMTPError(.invalidMessage, "the \(what) contains a control character")
        }
    }

    /// `Subject:` as it is when it is ASCII and can be folded, else as RFC 2047 encoded words. A
    /// subject holding `=?` is encoded too, so that no reader decodes what was literal text.
    static func subject(_ subject: String) -> String {
        let words = subject.split(separator: " ", omittingEmptySubsequences: false)
        if subject.unicodeScalars.allSatisfy(\.isASCII), !subject.contains("=?"), words.allSatisfy({ $0.utf8.count <= 900 }) {
            return folded("Subject:", words.map(String.init))
        }
        return "Subject: " + encodedWords(subject).joined(separator: "\r\n ")
    }

    /// `text` as `=?utf-8?B?…?=` words (RFC 2047 section 4.1), each of whole characters and at most
    /// 39 bytes of text, so that every line holding one, `Subject: ` included, stays within 76.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 39 {
                words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words
    }

    /// `name` and `words` separated by spaces, a line break before a word that would take the line
    /// past 78 characters (RFC 5322 section 2.2.3: unfolding removes only the CRLF).
    static func folded(_ name: String, _ words: [String]) -> String {
        var result = name
        var lineLength = name.utf8.count
        var wordsOnLine = 0
        for word in words {
            if lineLength + 1 + word.utf8.count > 78, wordsOnLine > 0, !word.isEmpty {
                result += "\r\n"
                lineLength = 0
                wordsOnLine = 0
            }
            result += " " + word
            lineLength += 1 + word.utf8.count
            wordsOnLine += 1
        }
        return result
    }

    /// `Thu, 13 Feb 2025 09:05:00 +0000` (RFC 5322 section 3.3), in UTC.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(days[(c.weekday ?? 1) - 1]), \(c.day ?? 1) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    // MARK: Body

    /// The text part: its headers and encoded lines. Quoted-printable keeps mostly-ASCII text
    /// readable; text that is mostly non-ASCII is smaller in base64.
    static func textBody(_ text: String) -> (headers: [String], lines: [String]) {
        let canonical = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let nonASCII = canonical.utf8.filter { $0 >= 0x80 }.count
        if nonASCII * 3 > canonical.utf8.count {
            let crlf = Array(canonical.replacingOccurrences(of: "\n", with: "\r\n").utf8)
            return (
                ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"], base64Lines(crlf)
            )
        }
        let lines = canonical.split(separator: "\n", omittingEmptySubsequences: false).flatMap {
            quotedPrintable(Array($0.utf8))
        }
        return (["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"], lines)
    }

    /// One line of text in quoted-printable (RFC 2045 section 6.7): printable ASCII but "=" as it
    /// is, a space or tab as it is unless it ends the line, every other octet `=XX`; soft line
    /// breaks (`=` at the end) keep each encoded line within 76 characters.
    static func quotedPrintable(_ line: [UInt8]) -> [String] {
        var encoded: [String] = []
        var current = ""
        for (index, byte) in line.enumerated() {
            let isLast = index == line.count - 1
            let literal =
                (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                || ((byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")) && !isLast)
            let piece = literal ? String(UnicodeScalar(byte)) : "=" + hex(byte)
            // A soft break takes one column; the last piece of the line may use all 76.
            if current.utf8.count + piece.utf8.count > (isLast ? 76 : 75) {
                encoded.append(current + "=")
                current = ""
            }
            current += piece
        }
        encoded.append(current)
        return encoded
    }

    /// Base64 (RFC 2045 section 6.8) in lines of 76 characters.
    static func base64Lines(_ bytes: [UInt8]) -> [String] {
        let text = Data(bytes).base64EncodedString()
        var lines: [String] = []
        var start = text.startIndex
        while start < text.endIndex {
            let end = text.index(start, offsetBy: 76, limitedBy: text.endIndex) ?? text.endIndex
            lines.append(String(text[start..<end]))
            start = end
        }
        return lines
    }

    // MARK: Attachments

    /// Content-Type, Content-Disposition with the file name (quoted, or RFC 2231 `filename*` when
    /// it is not plain ASCII) and Content-Transfer-Encoding.
    static func attachmentHeaders(_ attachment: OutboundMail.Attachment) throws -> [String] {
        try checkHeaderText(attachment.filename, what: "attachment's file name")
        guard !attachment.filename.isEmpty, attachment.filename.utf8.count <= 255 else {
            throw SMTPError(.invalidMessage, "an attachment's file name must have 1 to 255 bytes")
        }
        guard isMediaType(attachment.mediaType) else {
            let mediaType = SMTPError.printable(attachment.mediaType.utf8)
            throw SMTPError(.invalidMessage, "the attachment '\(attachment.filename)' has a malformed media type '\(mediaType)'")
        }
        let plain = attachment.filename.unicodeScalars.allSatisfy { $0.isASCII && $0 != "\"" && $0 != "\\" }
        let filename =
            plain
            ? "filename=\"\(attachment.filename)\""
            : "filename*=utf-8''"
                + attachment.filename.utf8.map { isAttributeChar($0) ? String(UnicodeScalar($0)) : "%" + hex($0) }.joined()
        return [
            "Content-Type: \(attachment.mediaType)", "Content-Disposition: attachment;\r\n \(filename)",
            "Content-Transfer-Encoding: base64",
        ]
    }

    /// RFC 2045 section 5.1: `type/subtype`, then `; attribute=value` parameters, the value a token
    /// or a quoted string without quotes, backslashes or control characters.
    static func isMediaType(_ text: String) -> Bool {
        let parts = text.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let type = parts[0].split(separator: "/", omittingEmptySubsequences: false)
        guard type.count == 2, type.allSatisfy(isToken) else { return false }
        return parts.dropFirst().allSatisfy { parameter in
            guard let equals = parameter.firstIndex(of: "=") else { return false }
            let value = parameter[parameter.index(after: equals)...]
            let quoted =
                value.count >= 2 && value.first == "\"" && value.last == "\""
                && value.dropFirst().dropLast().unicodeScalars.allSatisfy {
                    $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\"
                }
            return isToken(parameter[..<equals]) && (isToken(value) || quoted)
        }
    }

    private static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                $0.value > 0x20 && $0.value < 0x7F && !"()<>@,;:\\\"/[]?=".unicodeScalars.contains($0)
            }
    }

    /// RFC 2231 attribute-char: printable ASCII but space, `*`, `'`, `%` and the tspecials.
    private static func isAttributeChar(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && !"*'%()<>@,;:\\\"/[]?=".utf8.contains(byte)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    private static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in hex(UInt8.random(in: 0...255, using: &generator)) }.joined().lowercased()
    }
}
