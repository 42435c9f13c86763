public import CybexEngine
public import NIOCore
import NIOPosix
import NIOSSL

/// The Engine's ``MailTransport`` over SMTP (RFC 5321) on SwiftNIO: one connection per message,
/// STARTTLS (RFC 3207) or implicit TLS through NIOSSL with certificate and hostname verification,
/// AUTH PLAIN or LOGIN (RFC 4954) only over TLS unless allowed, every reply code checked, replies
/// bounded in length and lines, and every step under a deadline.
///
/// ```swift
/// let transport = SMTPTransport(configuration: SMTPConfiguration(host: "relay.example.org"))
/// try await transport.send(OutboundMail(from: "cybex@cert.example.org", to: ["soc@example.org"],
///                                       subject: "Digest", text: "…"))
/// ```
public struct SMTPTransport: MailTransport {
    public let configuration: SMTPConfiguration
    let group: any EventLoopGroup

    /// `eventLoopGroup` defaults to the process's shared `MultiThreadedEventLoopGroup.singleton`.
    public init(configuration: SMTPConfiguration, eventLoopGroup: (any EventLoopGroup)? = nil) {
        self.configuration = configuration
        self.group = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
    }

    /// Hands `mail` to the relay; throws ``SMTPError`` when it is not accepted.
    public func send(_ mail: OutboundMail) async throws {
        _ = try await deliver(mail)
    }

    /// Hands `mail` to the relay and tells how the session went (what `cybex notify test-mail`
    /// prints); throws ``SMTPError`` when the message is not accepted. `trace` is told each command
    /// and reply line as they go (`C: RCPT TO:<soc@example.org>`, `S: 250 2.1.5 Ok`); AUTH
    /// responses appear as their label only, never with the credentials.
    public func deliver(_ mail: OutboundMail, trace: (@Sendable (String) -> Void)? = nil) async throws -> SMTPDelivery {
        let message = try MIMEMessage(mail)
        guard message.bytes.count <= configuration.maxMessageBytes else {
            throw SMTPError(
                .invalidMessage,
                "the message has \(message.bytes.count) bytes, more than the limit of \(configuration.maxMessageBytes)")
        }
        try checkHeloName()
        let sslContext: NIOSSLContext?
        do {
            sslContext = configuration.security == .none ? nil : try NIOSSLContext(configuration: configuration.tls)
        } catch {
            throw SMTPError(.invalidConfiguration, "the TLS configuration cannot be used: \(error)")
        }
        let tls = sslContext.map { SMTPRequest.StartTLS(context: $0, serverHostname: serverHostname) }
        let sessionDeadline = NIODeadline.now() + TimeAmount(configuration.timeouts.message)
        let failure = SMTPConnectionFailure()
        let channel = try await connect(implicitTLS: configuration.security == .tls ? tls : nil, failure: failure)
        var session = SMTPSession(
            channel: channel, failure: failure, configuration: configuration,
            startTLS: configuration.security == .tls ? nil : tls,
            implicitTLS: configuration.security == .tls, sessionDeadline: sessionDeadline, trace: trace)
        defer { channel.close(promise: nil) }
        // Cancellation closes the connection, which fails the reply being waited for.
        return try await withTaskCancellationHandler {
            do {
                let reply = try await session.run(from: mail.from, to: mail.to, message: message.bytes)
                return SMTPDelivery(
                    messageID: message.messageID, messageBytes: message.bytes.count, tls: session.tls,
                    authentication: session.authentication, reply: "\(reply.code) \(reply.text)")
            } catch {
                await session.quitQuietly()
                throw error
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    /// The name for SNI and the certificate check; nil for an IP address, whose certificate must
    /// then name the address (NIOSSL matches it against the peer's address).
    var serverHostname: String? {
        (try? SocketAddress(ipAddress: configuration.host, port: 0)) == nil ? configuration.host : nil
    }

    private func connect(implicitTLS: SMTPRequest.StartTLS?, failure: SMTPConnectionFailure) async throws -> any Channel {
        let host = configuration.host
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(configuration.timeouts.connect))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let implicitTLS {
                        try pipeline.addHandler(
                            NIOSSLClientHandler(context: implicitTLS.context, serverHostname: implicitTLS.serverHostname))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    try pipeline.addHandler(SMTPClientHandler(host: host, failure: failure))
                }
            }
        do {
            return try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw SMTPError(.connectFailed, "cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
    }

    /// A domain name or an address literal such as `[192.0.2.1]`: the HELO name goes into a
    /// command line as it is.
    private func checkHeloName() throws {
        let name = configuration.heloName
        let literal =
            name.hasPrefix("[") && name.hasSuffix("]")
            && name.dropFirst().dropLast().unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".:".unicodeScalars.contains($0))
            }
        guard literal || MailAddress.isDomain(name) else {
            throw SMTPError(
                .invalidConfiguration,
                "the HELO name '\(SMTPError.printable(name.utf8))' is neither a domain name nor an address literal")
        }
    }
}

/// How a message was handed to the relay.
public struct SMTPDelivery: Sendable, Hashable {
    /// The Message-ID header's value, without angle brackets.
    public var messageID: String
    /// The size of the message as sent (before dot-stuffing).
    public var messageBytes: Int
    /// `implicit TLS` or `STARTTLS`; nil when the session was in plain text.
    public var tls: String?
    /// The AUTH mechanism used (`PLAIN`, `LOGIN`), if any.
    public var authentication: String?
    /// The relay's reply to the message data: `250 2.0.0 Ok: queued as 4F2C1`.
    public var reply: String
}
