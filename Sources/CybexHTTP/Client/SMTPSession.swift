import Foundation
import NIOCore
import NIOSSL

/// One SMTP session on a connected channel (RFC 5321 section 3): greeting, EHLO, STARTTLS and EHLO
/// again, AUTH, one mail transaction, QUIT. Each step checks the reply code and throws
/// ``SMTPError`` with the command and the relay's reply otherwise; each reply has a deadline, the
/// earlier of the command timeout and the end of the whole session.
struct SMTPSession {
    let channel: any Channel
    /// Why the connection failed, once it has.
    let failure: SMTPConnectionFailure
    let configuration: SMTPConfiguration
    /// For STARTTLS; nil when the security is `.none` or TLS is already on.
    let startTLS: SMTPRequest.StartTLS?
    let sessionDeadline: NIODeadline
    /// TLS from the first byte or after STARTTLS.
    private(set) var tls: String?
    private(set) var authentication: String?
    /// Told each command and reply line as they go, `C: …` and `S: …`, credentials left out.
    let trace: (@Sendable (String) -> Void)?
    /// The EHLO keywords (upper case) and their parameters; empty after HELO.
    private var extensions: [String: [String]] = [:]

    init(
        channel: any Channel, failure: SMTPConnectionFailure, configuration: SMTPConfiguration, startTLS: SMTPRequest.StartTLS?,
        implicitTLS: Bool,
        sessionDeadline: NIODeadline, trace: (@Sendable (String) -> Void)?
    ) {
        self.trace = trace
        self.channel = channel
        self.failure = failure
        self.configuration = configuration
        self.startTLS = startTLS
        self.sessionDeadline = sessionDeadline
        self.tls = implicitTLS ? "implicit TLS" : nil
    }

    /// The whole dialogue for `message`; returns the relay's reply to the message data.
    mutating func run(from: String, to: [String], message: [UInt8]) async throws -> SMTPReply {
        let greeting = try await exchange(nil, label: "greeting")
        guard greeting.code == 220 else {
            throw SMTPError(rejected: greeting, command: "greeting", "the relay is not accepting mail")
        }
        try await hello()
        try await negotiateTLS()
        try await authenticate()
        let reply = try await transaction(from: from, to: to, message: message)
        // The relay has taken the message; a failed QUIT must not make the caller send it again.
        await quitQuietly()
        return reply
    }

    /// EHLO, or HELO when the relay refuses EHLO with 5yz (RFC 5321 section 3.2).
    private mutating func hello() async throws {
        let ehlo = try await exchange("EHLO \(configuration.heloName)")
        if ehlo.code == 250 {
            extensions = Self.extensions(ehlo)
            return
        }
        guard (500..<600).contains(ehlo.code) else {
            throw SMTPError(rejected: ehlo, command: "EHLO \(configuration.heloName)", "the relay refused EHLO")
        }
        let helo = try await exchange("HELO \(configuration.heloName)")
        guard helo.code == 250 else {
            throw SMTPError(rejected: helo, command: "HELO \(configuration.heloName)", "the relay refused EHLO and HELO")
        }
        extensions = [:]
    }

    /// STARTTLS as the security asks (RFC 3207), then EHLO again: what was learnt before TLS is
    /// forgotten (section 4.2).
    private mutating func negotiateTLS() async throws {
        guard let startTLS, tls == nil else { return }
        guard extensions["STARTTLS"] != nil else {
            if configuration.security == .startTLSIfOffered { return }
            throw SMTPError(
                .startTLSUnavailable,
                "the relay does not offer STARTTLS and the security is 'starttls': nothing was sent "
                    + "(use 'starttls-if-offered' or 'none' only for a trusted relay)",
                command: "EHLO \(configuration.heloName)")
        }
        let reply = try await exchange("STARTTLS", startTLS: startTLS)
        guard reply.code == 220 else {
            throw SMTPError(rejected: reply, command: "STARTTLS", "the relay refused STARTTLS")
        }
        tls = "STARTTLS"
        extensions = [:]
        try await hello()
    }

    /// AUTH PLAIN (RFC 4954, RFC 4616) or AUTH LOGIN, when credentials are configured.
    private mutating func authenticate() async throws {
        guard let credentials = configuration.credentials else { return }
        guard tls != nil || configuration.allowsAuthenticationWithoutTLS else {
            throw SMTPError(
                .authenticationUnavailable,
                "credentials are configured but the connection has no TLS: the password was not sent "
                    + "(use TLS, or allow authentication without TLS explicitly)")
        }
        guard let mechanisms = extensions["AUTH"].map({ Set($0.map { $0.uppercased() }) }) else {
            throw SMTPError(.authenticationUnavailable, "credentials are configured but the relay does not offer AUTH")
        }
        let user = Array(credentials.username.utf8)
        let password = Array(credentials.password.utf8)
        if mechanisms.contains("PLAIN") {
            // message = [authzid] NUL authcid NUL passwd (RFC 4616 section 2), as the initial response.
            let response = Data([0] + user + [0] + password).base64EncodedString()
            let reply = try await exchange("AUTH PLAIN \(response)", label: "AUTH PLAIN")
            guard reply.code == 235 else {
                throw SMTPError(rejected: reply, command: "AUTH PLAIN", "the relay refused the credentials")
            }
            authentication = "PLAIN"
        } else if mechanisms.contains("LOGIN") {
            let start = try await exchange("AUTH LOGIN")
            guard start.code == 334 else {
                throw SMTPError(rejected: start, command: "AUTH LOGIN", "the relay refused AUTH LOGIN")
            }
            let asked = try await exchange(Data(user).base64EncodedString(), label: "AUTH LOGIN (user name)")
            guard asked.code == 334 else {
                throw SMTPError(rejected: asked, command: "AUTH LOGIN (user name)", "the relay refused the user name")
            }
            let reply = try await exchange(Data(password).base64EncodedString(), label: "AUTH LOGIN (password)")
            guard reply.code == 235 else {
                throw SMTPError(rejected: reply, command: "AUTH LOGIN (password)", "the relay refused the credentials")
            }
            authentication = "LOGIN"
        } else {
            throw SMTPError(
                .authenticationUnavailable,
                "the relay offers neither AUTH PLAIN nor AUTH LOGIN (it offers \(mechanisms.sorted().joined(separator: " ")))")
        }
    }

    /// MAIL, RCPT for each recipient (one refusal fails the send), DATA, the message dot-stuffed.
    private mutating func transaction(from: String, to: [String], message: [UInt8]) async throws -> SMTPReply {
        var mailFrom = "MAIL FROM:<\(from)>"
        if let limit = extensions["SIZE"]?.first.flatMap({ Int($0) }), limit > 0 {
            guard message.count <= limit else {
                throw SMTPError(
                    .invalidMessage, "the message has \(message.count) bytes and the relay accepts at most \(limit) (SIZE)")
            }
            mailFrom += " SIZE=\(message.count)"
        }
        let mail = try await exchange(mailFrom)
        guard mail.code == 250 else { throw SMTPError(rejected: mail, command: mailFrom, "the relay refused the sender") }
        for recipient in to {
            let command = "RCPT TO:<\(recipient)>"
            let reply = try await exchange(command)
            guard reply.code == 250 || reply.code == 251 else {
                throw SMTPError(rejected: reply, command: command, "the relay refused the recipient")
            }
        }
        let data = try await exchange("DATA")
        guard data.code == 354 else { throw SMTPError(rejected: data, command: "DATA", "the relay refused DATA") }
        let reply = try await exchange(
            nil, label: "end of data", bytes: channel.allocator.buffer(bytes: Self.dataBlock(message)))
        guard reply.code == 250 else {
            throw SMTPError(rejected: reply, command: "end of data", "the relay did not accept the message")
        }
        return reply
    }

    /// QUIT, waiting a few seconds at most for the reply, its failure ignored (also when a session
    /// ends early: on a closed connection it fails at once).
    mutating func quitQuietly() async {
        _ = try? await exchange("QUIT", timeout: .seconds(5))
    }

    /// Sends `command` (or `bytes`; nothing for the greeting) and waits for the reply.
    private mutating func exchange(
        _ command: String?, label: String? = nil, bytes: ByteBuffer? = nil, startTLS: SMTPRequest.StartTLS? = nil,
        timeout: Duration? = nil
    ) async throws -> SMTPReply {
        let label = label ?? command ?? "greeting"
        var bytes = bytes
        if let command {
            precondition(!command.contains("\r") && !command.contains("\n"), "an SMTP command holds a line break")
            bytes = channel.allocator.buffer(string: command + "\r\n")
        }
        if bytes != nil { trace?("C: \(label)") }
        let wait = timeout ?? configuration.timeouts.command
        let commandDeadline = NIODeadline.now() + TimeAmount(wait)
        let timeout =
            commandDeadline < sessionDeadline
            ? SMTPError(.timeout, "no reply within \(wait)", command: label)
            : SMTPError(.timeout, "the session took longer than \(configuration.timeouts.message)", command: label)
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        let request = SMTPRequest(
            label: label, bytes: bytes, deadline: min(commandDeadline, sessionDeadline), timeout: timeout,
            startTLS: startTLS, reply: promise)
        // Should the handler be gone (a closed channel), the failed write fails the reply with
        // the reason the connection failed.
        channel.writeAndFlush(request).whenFailure { [failure] error in
            var reason = failure.first ?? SMTPError(.connectionClosed, "the connection is closed: \(error)")
            reason.command = reason.command ?? label
            promise.fail(reason)
        }
        let reply = try await promise.futureResult.get()
        for (index, line) in reply.lines.enumerated() {
            trace?("S: \(reply.code)\(index < reply.lines.count - 1 ? "-" : " ")\(line)")
        }
        return reply
    }

    /// The EHLO keywords and parameters (RFC 5321 section 4.1.1.1), the first line (the relay's
    /// name) left out; `AUTH=PLAIN LOGIN`, an old form, counts as AUTH.
    static func extensions(_ reply: SMTPReply) -> [String: [String]] {
        var extensions: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            var words = line.split(separator: " ").map(String.init)
            guard !words.isEmpty else { continue }
            var keyword = words.removeFirst().uppercased()
            if keyword.hasPrefix("AUTH=") {
                words.insert(String(keyword.dropFirst(5)), at: 0)
                keyword = "AUTH"
            }
            extensions[keyword, default: []] += words
        }
        return extensions
    }

    /// The DATA content (RFC 5321 section 4.5.2): a line starting with "." gets another one, and
    /// `.` CRLF ends it. `message` has CRLF line endings and ends with one.
    static func dataBlock(_ message: [UInt8]) -> [UInt8] {
        var block: [UInt8] = []
        block.reserveCapacity(message.count + message.count / 64 + 3)
        var atLineStart = true
        for byte in message {
            if atLineStart && byte == UInt8(ascii: ".") { block.append(UInt8(ascii: ".")) }
            block.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
        }
        if !atLineStart { block += Array("\r\n".utf8) }
        block += Array(".\r\n".utf8)
        return block
    }
}
