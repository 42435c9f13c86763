public import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where and how ``SMTPTransport`` hands mail to the relay.
///
/// ```swift
/// var smtp = SMTPConfiguration(host: "relay.example.org", security: .startTLS,
///                              credentials: .init(username: "cybex", password: secret))
/// try smtp.trustCertificates(pemFile: "/etc/cybex/relay-ca.pem")   // a private CA, besides the system's
/// let transport = SMTPTransport(configuration: smtp)
/// ```
public struct SMTPConfiguration: Sendable {
    /// How the connection is protected.
    public enum Security: String, Sendable, CaseIterable {
        /// Plain text throughout: only for a relay on the same host or a trusted network.
        case none
        /// STARTTLS (RFC 3207) after EHLO, required: nothing is sent if the relay does not offer it.
        case startTLS = "starttls"
        /// STARTTLS when the relay offers it, else plain text (opportunistic; an active attacker
        /// can strip the offer). A relay that offers STARTTLS and then refuses it fails the send.
        case startTLSIfOffered = "starttls-if-offered"
        /// TLS from the first byte (implicit TLS, "submissions", port 465; RFC 8314).
        case tls

        /// The usual port: 465 for implicit TLS, 587 (submission) with STARTTLS, 25 in plain text.
        public var defaultPort: Int {
            switch self {
            case .tls: 465
            case .startTLS, .startTLSIfOffered: 587
            case .none: 25
            }
        }
    }

    /// A user name and password for AUTH PLAIN (RFC 4616) or, when the relay offers only that,
    /// AUTH LOGIN.
    public struct Credentials: Sendable, Hashable {
        public var username: String
        public var password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    /// How long each stage may take. RFC 5321 section 4.5.3.2 asks for a timeout per command;
    /// `message` also bounds the whole session, so a relay that answers each command just in time
    /// cannot hold a sender for ever.
    public struct Timeouts: Sendable, Hashable {
        /// Establishing the TCP connection.
        public var connect: Duration
        /// Each reply, from the greeting to the reply after the message data (TLS handshakes
        /// included, since the reply to EHLO after TLS waits for them).
        public var command: Duration
        /// The whole session, from connecting to QUIT.
        public var message: Duration

        public init(connect: Duration = .seconds(30), command: Duration = .seconds(120), message: Duration = .seconds(600)) {
            self.connect = connect
            self.command = command
            self.message = message
        }
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var credentials: Credentials?
    /// Allows AUTH over a connection without TLS, where the password travels in the clear. Off by
    /// default: with credentials and no TLS the send fails before anything secret is sent.
    public var allowsAuthenticationWithoutTLS: Bool
    /// The TLS client configuration: certificate and hostname verification are on
    /// (`.makeClientConfiguration()`); add a private CA with ``trustCertificates(pemFile:)``.
    public var tls: TLSConfiguration
    /// The name this client gives in EHLO/HELO: a fully qualified name of this host, or an address
    /// literal such as `[192.0.2.1]` (RFC 5321 section 4.1.4).
    public var heloName: String
    public var timeouts: Timeouts
    /// The largest message (headers, body and encoded attachments) this client sends; a larger
    /// one fails before connecting. A lower SIZE the relay announces (RFC 1870) also applies.
    public var maxMessageBytes: Int

    /// `port` defaults to the security's usual port; `heloName` to this host's name when it is a
    /// fully qualified name, else `localhost`.
    public init(
        host: String, port: Int? = nil, security: Security = .startTLS, credentials: Credentials? = nil,
        allowsAuthenticationWithoutTLS: Bool = false, tls: TLSConfiguration = .makeClientConfiguration(),
        heloName: String? = nil, timeouts: Timeouts = Timeouts(), maxMessageBytes: Int = 25 << 20
    ) {
        self.host = host
        self.port = port ?? security.defaultPort
        self.security = security
        self.credentials = credentials
        self.allowsAuthenticationWithoutTLS = allowsAuthenticationWithoutTLS
        self.tls = tls
        self.heloName = heloName ?? Self.localHostName()
        self.timeouts = timeouts
        self.maxMessageBytes = maxMessageBytes
    }

    /// Trusts the CA certificates of a PEM file besides the system's roots: for a relay whose
    /// certificate a private CA signed, or a self-signed one.
    public mutating func trustCertificates(pemFile path: String) throws {
        do {
            let certificates = try NIOSSLCertificate.fromPEMFile(path)
            guard !certificates.isEmpty else {
                throw SMTPError(.invalidConfiguration, "no certificate in the PEM file '\(path)'")
            }
            tls.additionalTrustRoots.append(.certificates(certificates))
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError(.invalidConfiguration, "cannot read certificates from the PEM file '\(path)': \(error)")
        }
    }

    /// This host's name if it has a dot and only letters, digits, hyphens and dots; else `localhost`.
    static func localHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return MailAddress.isDomain(name) && name.contains(".") ? name : "localhost"
    }
}
