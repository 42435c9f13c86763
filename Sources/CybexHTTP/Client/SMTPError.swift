/// Why an e-mail was not sent: the code callers compare, the command the relay was answering, its
/// reply code and text as the relay wrote them (control characters replaced), and a message for
/// people.
///
/// ```swift
/// do { try await transport.send(mail) } catch let error as SMTPError where error.code == .rejected {
///     print(error.replyCode ?? 0, error.serverText ?? "")   // 550, "5.1.1 <b@example.org>: no such user"
/// }
/// ```
public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure, by name (an extensible set, as ``EngineError/Code``).
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The message cannot be sent as given: an address or header is malformed or would inject
        /// header lines, or the message is larger than allowed. Nothing was sent.
        public static let invalidMessage = Code(rawValue: "invalid-message")
        /// The configuration cannot be used (an unreadable PEM file, a malformed HELO name).
        public static let invalidConfiguration = Code(rawValue: "invalid-configuration")
        /// The relay could not be reached (name resolution, refused connection, connect timeout).
        public static let connectFailed = Code(rawValue: "connect-failed")
        /// The relay answered a command with a negative or unexpected reply.
        public static let rejected = Code(rawValue: "rejected")
        /// TLS was required and the relay does not offer STARTTLS.
        public static let startTLSUnavailable = Code(rawValue: "starttls-unavailable")
        /// The TLS handshake failed (certificate not trusted, name mismatch, no common protocol).
        public static let tlsFailed = Code(rawValue: "tls-failed")
        /// Credentials are configured but cannot be used: no AUTH, no supported mechanism, or no TLS.
        public static let authenticationUnavailable = Code(rawValue: "authentication-unavailable")
        /// The relay broke the protocol: a malformed, too long or out-of-turn reply.
        public static let protocolViolation = Code(rawValue: "protocol-violation")
        /// No reply within the command's timeout, or the whole message took too long.
        public static let timeout = Code(rawValue: "timeout")
        /// The relay closed the connection before the dialogue ended.
        public static let connectionClosed = Code(rawValue: "connection-closed")

        public var description: String { rawValue }
    }

    public var code: Code
    /// The command being answered as it was sent (credentials never appear: `AUTH PLAIN`), or a
    /// step of the dialogue (`greeting`, `TLS handshake`); nil before the connection.
    public var command: String?
    /// The relay's reply code, when it replied.
    public var replyCode: Int?
    /// The relay's reply text, its lines joined by " / ", when it replied.
    public var serverText: String?
    /// What went wrong, for people.
    public var message: String

    public init(
        _ code: Code, _ message: String, command: String? = nil, replyCode: Int? = nil, serverText: String? = nil
    ) {
        self.code = code
        self.message = message
        self.command = command
        self.replyCode = replyCode
        self.serverText = serverText
    }

    /// `message`, then the command and the relay's reply: `the relay refused the recipient
    /// (RCPT TO:<b@example.org>: 550 5.1.1 no such user)`.
    public var description: String {
        var parts: [String] = []
        if let command { parts.append(command) }
        if let replyCode {
            parts.append([String(replyCode), serverText ?? ""].filter { !$0.isEmpty }.joined(separator: " "))
        }
        return parts.isEmpty ? message : "\(message) (\(parts.joined(separator: ": ")))"
    }
}

extension SMTPError {
    /// Text as UTF-8 with every control character but tab replaced, so that a server cannot write
    /// terminal escapes into our errors and logs.
    static func printable<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        String(decoding: bytes, as: UTF8.self).unicodeScalars.reduce(into: "") { text, scalar in
            let control = scalar.value < 0x20 && scalar != "\t" || (0x7F...0x9F).contains(scalar.value)
            text.unicodeScalars.append(control ? "?" : scalar)
        }
    }
}
