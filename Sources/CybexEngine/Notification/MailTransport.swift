/// One e-mail message the Engine sends (constituent notification digests).
public struct OutboundMail: Sendable, Hashable {
    /// The envelope sender (`MAIL FROM`) and the `From:` header.
    public var from: String
    /// The envelope recipients (`RCPT TO`) and the `To:` header.
    public var to: [String]
    public var subject: String
    /// The plain-text body (UTF-8); lines are sent with CRLF and dot-stuffed by the transport.
    public var text: String
    /// Attachments: file name, media type, bytes (sent base64 in a multipart/mixed message).
    public var attachments: [Attachment]

    public struct Attachment: Sendable, Hashable {
        public var filename: String
        public var mediaType: String
        public var bytes: [UInt8]

        public init(filename: String, mediaType: String, bytes: [UInt8]) {
            self.filename = filename
            self.mediaType = mediaType
            self.bytes = bytes
        }
    }

    public init(from: String, to: [String], subject: String, text: String, attachments: [Attachment] = []) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.attachments = attachments
    }
}

/// What sends the Engine's e-mail: an SMTP client in production (`SMTPTransport` in CybexHTTP, on
/// NIO with STARTTLS), so the Engine does no network I/O of its own.
public protocol MailTransport: Sendable {
    /// Delivers `mail` to the relay; throws when the relay refuses it or cannot be reached (the
    /// caller retries later).
    func send(_ mail: OutboundMail) async throws
}
