public import ArgumentParser
import CybexEngine
public import CybexHTTP
import Foundation

extension SMTPConfiguration.Security: ExpressibleByArgument {}

/// `cybex notify test-mail`: the operator's check of the e-mail relay that notification digests go
/// through (docs/DEPLOYMENT.md, "E-mail relay (SMTP)").
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Constituent notification: channels, sending digests now, checking the SMTP relay.",
        subcommands: [Channel.self, Send.self, TestMail.self])

    struct TestMail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test-mail",
            abstract: "Send a test message through an SMTP relay; exits 1 when the relay does not accept it.",
            discussion: """
                Connects to --smtp-host, protects the session as --smtp-security says (starttls, the default, sends \
                nothing unless the relay offers STARTTLS; tls is implicit TLS, port 465; none is plain text, for a \
                local relay), authenticates with --smtp-user and the password read from standard input (only over \
                TLS unless --smtp-allow-auth-without-tls), and sends one message. The relay's certificate must be \
                trusted (system roots, or --trust-pem) and name the host. Prints the session's outcome; --verbose \
                also shows the dialogue on standard error (credentials never). Exit codes: 0 accepted, 1 not \
                accepted (unreachable, refused, TLS failure, timeout: the relay's reply is in the message), \
                2 usage error (bad option, malformed address, unreadable file).
                """)

        @Option(help: "The relay's host name or IP address.") var smtpHost: String
        @Option(help: "The relay's port (default: 465 for tls, 587 for starttls, 25 for none).") var smtpPort: Int?
        @Option(help: "How the session is protected.") var smtpSecurity: SMTPConfiguration.Security = .startTLS
        @Option(help: "The user name for AUTH (PLAIN, else LOGIN); the password comes from standard input.")
        var smtpUser: String?
        @Flag(help: "Read the AUTH password as one line of standard input.") var smtpPasswordStdin = false
        @Flag(help: "Allow AUTH without TLS (the password then crosses the network in clear text).")
        var smtpAllowAuthWithoutTls = false
        @Option(help: "A PEM file of CA certificates to trust besides the system's (a private CA or a self-signed relay).")
        var trustPem: String?
        @Option(help: "The name given in EHLO (default: this host's name).") var heloName: String?
        @Option(help: "The sender (MAIL FROM and From:).") var from: String
        @Option(help: "A recipient (repeat for more).") var to: [String]
        @Option(help: "The subject.") var subject = "Cybex relay test"
        @Option(help: "The body text.") var text = "This is a test message from cybex notify test-mail: the relay accepted it."
        @Option(name: .customLong("attach"), help: "A file to attach (repeat for more).") var attachments: [String] = []
        @Option(help: "Seconds to wait for each reply of the relay.") var timeoutSeconds = 60
        @Flag(help: "Show the SMTP dialogue on standard error.") var verbose = false

        func validate() throws {
            if smtpPasswordStdin != (smtpUser != nil) {
                throw ValidationError("--smtp-user and --smtp-password-stdin go together")
            }
            guard timeoutSeconds > 0 else { throw ValidationError("--timeout-seconds must be positive") }
            if let smtpPort, !(1...65535).contains(smtpPort) { throw ValidationError("--smtp-port must be 1 to 65535") }
        }

        func run() async throws {
            var credentials: SMTPConfiguration.Credentials?
            if let smtpUser {
                credentials = .init(username: smtpUser, password: try Terminal.readPassword(prompt: "SMTP password: "))
            }
            var configuration = SMTPConfiguration(
                host: smtpHost, port: smtpPort, security: smtpSecurity, credentials: credentials,
                allowsAuthenticationWithoutTLS: smtpAllowAuthWithoutTls, heloName: heloName,
                timeouts: .init(command: .seconds(timeoutSeconds), message: .seconds(max(600, timeoutSeconds * 4))))
            do {
                if let trustPem { try configuration.trustCertificates(pemFile: trustPem) }
            } catch let error as SMTPError {
                throw CommandFailure(message: error.description, exitCode: 2)
            }
            let mail = OutboundMail(
                from: from, to: to, subject: subject, text: text, attachments: try attachments.map(Self.attachment))
            let verbose = verbose
            let delivery: SMTPDelivery
            do {
                delivery = try await SMTPTransport(configuration: configuration).deliver(mail) { line in
                    if verbose { Terminal.note(line) }
                }
            } catch let error as SMTPError {
                let usage: Set<SMTPError.Code> = [.invalidMessage, .invalidConfiguration]
                throw CommandFailure(message: error.description, exitCode: usage.contains(error.code) ? 2 : 1)
            }
            print("relay\t\(smtpHost):\(configuration.port)")
            print("tls\t\(delivery.tls ?? "none")")
            print("auth\t\(delivery.authentication ?? "none")")
            print("message-id\t<\(delivery.messageID)>")
            print("reply\t\(delivery.reply)")
        }

        /// The file at `path`, its media type guessed from the extension.
        static func attachment(_ path: String) throws -> OutboundMail.Attachment {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure(message: "cannot read the file to attach '\(path)'", exitCode: 2)
            }
            let name = URL(fileURLWithPath: path).lastPathComponent
            let types = [
                "json": "application/json", "txt": "text/plain", "csv": "text/csv", "pdf": "application/pdf",
                "xml": "application/xml", "zip": "application/zip",
            ]
            let type = types[URL(fileURLWithPath: path).pathExtension.lowercased()] ?? "application/octet-stream"
            return OutboundMail.Attachment(filename: name, mediaType: type, bytes: Array(data))
        }
    }
}
