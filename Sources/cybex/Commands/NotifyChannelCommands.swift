public import ArgumentParser
public import CybexCore
import CybexEngine
import CybexFormats
import CybexHTTP
import Foundation

extension NotificationChannel.Kind: ExpressibleByArgument {}

/// The e-mail relay options `cybex serve` and `cybex notify send` share (docs/DEPLOYMENT.md, "E-mail relay (SMTP)").
struct SMTPOptions: ParsableArguments {
    @Option(help: "The SMTP relay e-mail digests go through (none: e-mail channels fail, recorded on each).")
    var smtpHost: String?
    @Option(help: "The relay's port (default: 465 for tls, 587 for starttls, 25 for none).") var smtpPort: Int?
    @Option(help: "How the session is protected: starttls (default), starttls-if-offered, tls or none.")
    var smtpSecurity: SMTPConfiguration.Security = .startTLS
    @Option(help: "The user name for AUTH; the password comes from --smtp-password-file or CYBEX_SMTP_PASSWORD.")
    var smtpUser: String?
    @Option(help: "A file holding the AUTH password (one line).") var smtpPasswordFile: String?
    @Flag(help: "Allow AUTH without TLS.") var smtpAllowAuthWithoutTls = false
    @Option(help: "A PEM file of CA certificates to trust besides the system's.") var smtpTrustPem: String?
    @Option(help: "The sender of e-mail digests (MAIL FROM and From:).") var mailFrom = "cybex@localhost"

    func validate() throws {
        if let smtpPort, !(1...65535).contains(smtpPort) { throw ValidationError("--smtp-port must be 1 to 65535") }
        if smtpUser != nil, smtpHost == nil { throw ValidationError("--smtp-user needs --smtp-host") }
    }

    /// The relay's transport, or nil when none is configured.
    func transport() throws -> (any MailTransport)? {
        guard let smtpHost else { return nil }
        var credentials: SMTPConfiguration.Credentials?
        if let smtpUser {
            var password = ProcessInfo.processInfo.environment["CYBEX_SMTP_PASSWORD"]
            if let smtpPasswordFile {
                guard let text = try? String(contentsOfFile: smtpPasswordFile, encoding: .utf8) else {
                    throw CommandFailure(message: "cannot read --smtp-password-file \(smtpPasswordFile)", exitCode: 2)
                }
                password = text.trimmingCharacters(in: .newlines)
            }
            guard let password, !password.isEmpty else {
                throw CommandFailure(message: "--smtp-user needs --smtp-password-file or CYBEX_SMTP_PASSWORD", exitCode: 2)
            }
            credentials = .init(username: smtpUser, password: password)
        }
        var configuration = SMTPConfiguration(
            host: smtpHost, port: smtpPort, security: smtpSecurity, credentials: credentials,
            allowsAuthenticationWithoutTLS: smtpAllowAuthWithoutTls)
        do {
            if let smtpTrustPem { try configuration.trustCertificates(pemFile: smtpTrustPem) }
        } catch let error as SMTPError {
            throw CommandFailure(message: error.description, exitCode: 2)
        }
        return SMTPTransport(configuration: configuration)
    }
}

extension NotifyCommand {
    struct Channel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage organisations' notification channels (e-mail, webhook).",
            subcommands: [Add.self, List.self, Remove.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a channel for an organisation's digests; prints its id (and a webhook's signing key, once).",
                discussion: """
                    New objects that touch the organisation's constituency (networks, AS numbers, domains) are sent to \
                    the channel as one digest every --every-minutes (or --every-seconds), holding only what the \
                    organisation may see, up to --max-tlp (default amber), through --redaction when given. A webhook \
                    gets a POST signed with HMAC-SHA256 over timestamp.body (X-Cybex-Timestamp, X-Cybex-Signature: \
                    sha256=<hex>) under the key printed here (docs/CORRELATION.md, "Constituent notification").
                    """)
            @OptionGroup var store: StoreOptions
            @Option(name: .customLong("org"), help: "The organisation's name.") var organisation: String
            @Option(help: "email or webhook.") var kind: NotificationChannel.Kind
            @Option(help: "The e-mail address, or the webhook's http(s) URL.") var target: String
            @Option(help: "The highest TLP level a digest carries: clear, green, amber, amber+strict or red.")
            var maxTlp: TLPLevel = .amber
            @Option(help: "The shortest time between two digests, in minutes.") var everyMinutes = 60
            @Option(help: "The same in seconds (overrides --every-minutes).") var everySeconds: Int?
            @Option(help: "A stored redaction policy applied to what the channel sends.") var redaction: String?

            func run() async throws {
                let settings = NotificationSettings(
                    maxLevel: maxTlp, frequencySeconds: everySeconds ?? everyMinutes * 60, redaction: redaction)
                let (channel, secret) = try await store.withEngine { engine in
                    try await NotificationService(engine: engine, mail: nil, http: nil).addChannel(
                        organisation: organisation, kind: kind, target: target, settings: settings, actor: "cli")
                }
                print(channel.id)
                if let secret { print("secret\t\(secret)") }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the channels: id, organisation, kind, target, max TLP, frequency, deliveries, failures, error.")
            @OptionGroup var store: StoreOptions
            @Flag(help: "Print a JSON array.") var json = false

            func run() async throws {
                let channels = try await store.withEngine { engine in
                    try await NotificationService(engine: engine, mail: nil, http: nil).channels()
                }
                if json {
                    print(JSONWriter.string(.array(channels.map { NotificationService.json($0.0, $0.1) })))
                    return
                }
                for (channel, state) in channels {
                    print(
                        [
                            channel.id, channel.organisationID, channel.kind.rawValue, channel.target,
                            channel.settings.maxLevel.rawValue,
                            String(channel.settings.frequencySeconds), String(state.deliveries), String(state.failures),
                            state.lastError ?? "-",
                        ].joined(separator: "\t"))
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a channel.")
            @OptionGroup var store: StoreOptions
            @Argument(help: "The channel's id.") var id: String

            func run() async throws {
                try await store.withEngine { engine in
                    try await NotificationService(engine: engine, mail: nil, http: nil).removeChannel(id: id, actor: "cli")
                }
            }
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send now every channel that is due its digest (what cybex serve's notifications job does).",
            discussion:
                "Prints one line per channel with something queued: channel, outcome (delivered, empty, failed), objects, error.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var smtp: SMTPOptions

        func run() async throws {
            let mail = try smtp.transport()
            let deliveries = try await store.withEngine { engine in
                try await NotificationService(engine: engine, mail: mail, http: AsyncHTTPTransport(), sender: smtp.mailFrom)
                    .deliverDue(actor: "cli")
            }
            for delivery in deliveries {
                print(
                    [delivery.channel, delivery.outcome.rawValue, String(delivery.objects.count), delivery.error ?? "-"].joined(
                        separator: "\t"))
            }
            if deliveries.contains(where: { $0.outcome == .failed }) {
                throw CommandFailure(message: "a delivery failed; it is retried later")
            }
        }
    }
}
