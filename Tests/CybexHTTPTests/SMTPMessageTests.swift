import CybexEngine
import Foundation
import Testing

@testable import CybexHTTP

/// The message `SMTPTransport` sends: RFC 5322 headers, RFC 2047 encoded words, quoted-printable and
/// base64 bodies, multipart/mixed with attachments, dot-stuffing, and what is refused as injection.
@Suite("SMTP message")
struct SMTPMessageTests {
    /// Thursday 13 February 2025, 09:05:00 UTC.
    let date = Date(timeIntervalSince1970: 1_739_437_500)

    func render(_ mail: OutboundMail, boundary: String = "=_test_boundary") throws -> String {
        let message = try MIMEMessage(mail, date: date, messageID: "id.1@cert.example.org", boundary: boundary)
        return String(decoding: message.bytes, as: UTF8.self)
    }

    func mail(subject: String = "Weekly digest", text: String = "Hello", attachments: [OutboundMail.Attachment] = [])
        -> OutboundMail
    {
        OutboundMail(
            from: "cybex@cert.example.org", to: ["soc@example.org", "noc@example.net"], subject: subject, text: text,
            attachments: attachments)
    }

    /// The header section: the lines before the first empty line, unfolded.
    func headers(_ message: String) -> [String: String] {
        let section = message.components(separatedBy: "\r\n\r\n")[0].replacingOccurrences(of: "\r\n ", with: " ")
        return Dictionary(
            section.components(separatedBy: "\r\n").map { line in
                let colon = line.firstIndex(of: ":")!
                return (String(line[..<colon]), String(line[line.index(after: colon)...].dropFirst()))
            }, uniquingKeysWith: { first, _ in first })
    }

    func lines(_ message: String) -> [String] { message.components(separatedBy: "\r\n") }

    @Test func headersOfAPlainMessage() throws {
        let message = try render(mail())
        #expect(
            message.hasPrefix(
                """
                Date: Thu, 13 Feb 2025 09:05:00 +0000\r
                From: cybex@cert.example.org\r
                To: soc@example.org, noc@example.net\r
                Subject: Weekly digest\r
                Message-ID: <id.1@cert.example.org>\r
                MIME-Version: 1.0\r
                Auto-Submitted: auto-generated\r
                Content-Type: text/plain; charset=utf-8\r
                Content-Transfer-Encoding: quoted-printable\r
                \r
                Hello\r

                """))
        #expect(message.hasSuffix("Hello\r\n"))
        #expect(!message.contains("multipart"))
    }

    @Test func aRandomMessageIDInTheSendersDomain() throws {
        let first = try MIMEMessage(mail())
        let second = try MIMEMessage(mail())
        #expect(first.messageID != second.messageID)
        #expect(first.messageID.hasSuffix("@cert.example.org"))
        #expect(MailAddress.isDotAtom(first.messageID.split(separator: "@")[0]))
    }

    @Test(arguments: [
        "Digest für CERT — 3 neue Indikatoren",
        "日本語の件名、とても長い件名がここに続きます。エンコードされた単語に分割されるべきです。",
        "emoji 🛡️🔥 and ASCII mixed, with a long tail to force several encoded words to appear",
        "ASCII with =?utf-8?Q?looks_encoded?= inside",
    ])
    func nonASCIISubjectsBecomeEncodedWords(subject: String) throws {
        let message = try render(mail(subject: subject))
        let subjectLines = lines(message).drop { !$0.hasPrefix("Subject:") }.prefix {
            $0.hasPrefix("Subject:") || $0.hasPrefix(" ")
        }
        #expect(subjectLines.allSatisfy { $0.utf8.count <= 76 })
        let words = subjectLines.joined(separator: " ").dropFirst("Subject:".count).split(separator: " ")
        var decoded: [UInt8] = []
        for word in words {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?utf-8?B?") && word.hasSuffix("?="))
            let bytes = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            // Each word holds whole characters: it decodes as UTF-8 on its own.
            #expect(String(validating: Array(bytes), as: UTF8.self) != nil)
            decoded += bytes
        }
        #expect(String(decoding: decoded, as: UTF8.self) == subject)
        #expect(message.utf8.allSatisfy { $0 < 0x80 })
    }

    @Test func longASCIISubjectsAreFoldedAtSpaces() throws {
        let subject = (1...30).map { "word\($0)" }.joined(separator: " ")
        let message = try render(mail(subject: subject))
        let subjectLines = lines(message).drop { !$0.hasPrefix("Subject:") }.prefix {
            $0.hasPrefix("Subject:") || $0.hasPrefix(" ")
        }
        #expect(subjectLines.count > 1)
        #expect(subjectLines.allSatisfy { $0.utf8.count <= 78 })
        #expect(headers(message)["Subject"] == subject)
    }

    @Test func manyRecipientsAreFolded() throws {
        var mail = mail()
        mail.to = (1...12).map { "analyst\($0)@constituent\($0).example.org" }
        let message = try render(mail)
        #expect(lines(message).allSatisfy { $0.utf8.count <= 78 })
        #expect(headers(message)["To"] == mail.to.joined(separator: ", "))
    }

    @Test func dotStuffing() {
        let message = Array(".\r\n.starts\r\n..two\r\nmiddle.dot\r\n\r\n.\r\nlast".utf8)
        let block = String(decoding: SMTPSession.dataBlock(message), as: UTF8.self)
        #expect(block == "..\r\n..starts\r\n...two\r\nmiddle.dot\r\n\r\n..\r\nlast\r\n.\r\n")
        #expect(String(decoding: SMTPSession.dataBlock(Array("a\r\n".utf8)), as: UTF8.self) == "a\r\n.\r\n")
    }

    @Test func textIsQuotedPrintableWithCRLFAndShortLines() throws {
        let text = "a = b\nends with space \r\nbare CR\rÜmlaut\n.leading dot\n" + String(repeating: "0123456789", count: 20)
        let message = try render(mail(text: text))
        let body = message.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        #expect(body.hasPrefix("a =3D b\r\nends with space=20\r\nbare CR\r\n=C3=9Cmlaut\r\n.leading dot\r\n"))
        #expect(!message.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!message.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(lines(body).allSatisfy { $0.utf8.count <= 76 })
        #expect(
            Self.decodeQuotedPrintable(body) == text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(
                of: "\r", with: "\n"
            ).replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")
    }

    @Test func quotedPrintableNeverSplitsAnEscape() {
        for length in 70...80 {
            let line = Array(String(repeating: "a", count: length).utf8) + Array("é=é".utf8)
            let encoded = MIMEMessage.quotedPrintable(line)
            #expect(encoded.allSatisfy { $0.utf8.count <= 76 })
            #expect(encoded.dropLast().allSatisfy { $0.hasSuffix("=") })
            #expect(Self.decodeQuotedPrintable(encoded.joined(separator: "\r\n")) == String(decoding: line, as: UTF8.self))
        }
    }

    @Test func mostlyNonASCIITextIsBase64() throws {
        let text = String(repeating: "インシデント報告\n", count: 20)
        let message = try render(mail(text: text))
        #expect(headers(message)["Content-Transfer-Encoding"] == "base64")
        let body = message.components(separatedBy: "\r\n\r\n")[1]
        #expect(lines(body).allSatisfy { $0.utf8.count <= 76 })
        let decoded = try #require(Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: "")))
        #expect(String(decoding: decoded, as: UTF8.self) == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test(arguments: [0, 1, 2, 3, 56, 57, 58, 1000, 4096])
    func base64LinesAreAtMost76(count: Int) throws {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let lines = MIMEMessage.base64Lines(bytes)
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.utf8.count == 76 })
        #expect(Array(try #require(Data(base64Encoded: lines.joined()))) == bytes)
    }

    @Test func attachmentsMakeAMultipartMessage() throws {
        let report = Array("{\"type\":\"bundle\"}\n".utf8)
        let binary = (0..<3000).map { UInt8($0 % 256) }
        let message = try render(
            mail(
                text: "See the attachments.",
                attachments: [
                    .init(filename: "bundle.json", mediaType: "application/json", bytes: report),
                    .init(filename: "Übersicht 2025.bin", mediaType: "application/octet-stream", bytes: binary),
                ]))
        #expect(headers(message)["Content-Type"] == "multipart/mixed; boundary=\"=_test_boundary\"")
        #expect(headers(message)["MIME-Version"] == "1.0")
        let all = lines(message)
        #expect(all.filter { $0 == "--=_test_boundary" }.count == 3)
        #expect(all.filter { $0 == "--=_test_boundary--" }.count == 1)
        #expect(message.hasSuffix("\r\n--=_test_boundary--\r\n"))
        #expect(all.allSatisfy { $0.utf8.count <= 78 })

        let parts = message.components(separatedBy: "\r\n--=_test_boundary").dropFirst().dropLast()
        #expect(parts.count == 3)
        #expect(parts.allSatisfy { !$0.dropFirst(2).contains("=_test_boundary") })
        let text = try #require(parts.first)
        #expect(text.contains("Content-Type: text/plain; charset=utf-8\r\n"))
        #expect(text.hasSuffix("\r\n\r\nSee the attachments."))

        for (part, expected) in zip(parts.dropFirst(), [report, binary]) {
            #expect(part.contains("Content-Transfer-Encoding: base64\r\n"))
            let body = part.components(separatedBy: "\r\n\r\n")[1]
            #expect(lines(body).allSatisfy { $0.utf8.count <= 76 })
            #expect(Array(try #require(Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: "")))) == expected)
        }
        #expect(parts.dropFirst().first?.contains("Content-Disposition: attachment;\r\n filename=\"bundle.json\"") == true)
        #expect(parts.last?.contains("filename*=utf-8''%C3%9Cbersicht%202025.bin") == true)
    }

    @Test func randomBoundariesCannotOccurInEncodedContent() throws {
        let message = try MIMEMessage(
            mail(attachments: [.init(filename: "a.txt", mediaType: "text/plain; charset=utf-8", bytes: [1, 2, 3])]))
        let text = String(decoding: message.bytes, as: UTF8.self)
        let boundary = try #require(headers(text)["Content-Type"]?.split(separator: "\"").dropFirst().first)
        // "=_" appears in neither quoted-printable nor base64 output.
        #expect(boundary.hasPrefix("=_cybex_") && boundary.count > 20)
    }

    @Test(arguments: [
        ("cybex@cert.example.org\r\nBcc: victim@example.org", "soc@example.org", "s"),
        ("cybex@cert.example.org", "soc@example.org\nBcc: victim@example.org", "s"),
        ("cybex@cert.example.org", "soc@example.org>", "s"),
        ("cybex@cert.example.org", "<soc@example.org", "s"),
        ("cybex@cert.example.org", "Soc Team <soc@example.org>", "s"),
        ("cybex@cert.example.org", "soc team@example.org", "s"),
        ("cybex@cert.example.org", "soc@example.org soc2@example.org", "s"),
        ("cybex@cert.example.org", "soc.example.org", "s"),
        ("cybex@cert.example.org", "soc@", "s"),
        ("cybex@cert.example.org", "@example.org", "s"),
        ("cybex@cert.example.org", "soc@exa_mple.org", "s"),
        ("cybex@cert.example.org", "soc..x@example.org", "s"),
        ("cybex@cert.example.org", "sœc@example.org", "s"),
        ("cybex@cert.example.org", "soc@example.org", "Digest\r\nBcc: victim@example.org"),
        ("cybex@cert.example.org", "soc@example.org", "Digest\nX-Injected: yes"),
        ("cybex@cert.example.org", "soc@example.org", "Digest\rX-Injected: yes"),
        ("cybex@cert.example.org", "soc@example.org", "bell\u{07}"),
        ("cybex@cert.example.org", "soc@example.org", "next line\u{85}"),
    ])
    func injectionAndMalformedAddressesAreRefused(from: String, to: String, subject: String) {
        #expect {
            try MIMEMessage(OutboundMail(from: from, to: [to], subject: subject, text: "t"))
        } throws: { ($0 as? SMTPError)?.code == .invalidMessage }
    }

    @Test(arguments: [
        OutboundMail.Attachment(filename: "a.json\r\nX-Injected: yes", mediaType: "application/json", bytes: []),
        OutboundMail.Attachment(filename: "", mediaType: "application/json", bytes: []),
        OutboundMail.Attachment(filename: "a.json", mediaType: "application/json\r\nBcc: victim@example.org", bytes: []),
        OutboundMail.Attachment(filename: "a.json", mediaType: "application", bytes: []),
        OutboundMail.Attachment(filename: "a.json", mediaType: "text/plain; charset=\"utf-8\r\n\"", bytes: []),
        OutboundMail.Attachment(filename: "a.json", mediaType: "text/plain; charset", bytes: []),
    ])
    func malformedAttachmentsAreRefused(attachment: OutboundMail.Attachment) {
        #expect {
            try MIMEMessage(mail(attachments: [attachment]))
        } throws: { ($0 as? SMTPError)?.code == .invalidMessage }
    }

    @Test func noRecipientIsRefused() {
        #expect(throws: SMTPError.self) {
            try MIMEMessage(OutboundMail(from: "cybex@cert.example.org", to: [], subject: "s", text: "t"))
        }
    }

    @Test(arguments: [
        "a@b", "x@localhost", "first.last+tag@sub.example.org", "o'brien@example.ie", "u_1-2=3@mail-1.example.com",
        "!#$%&'*+-/=?^_`{|}~@example.org",
    ])
    func plausibleAddressesAreAccepted(address: String) throws {
        try MailAddress.validate(address, role: "recipient")
    }

    /// Quoted-printable decoding for the round trips: soft breaks removed, `=XX` decoded.
    static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "="), index + 2 < input.count,
                let value = UInt8(String(decoding: input[index + 1...index + 2], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
