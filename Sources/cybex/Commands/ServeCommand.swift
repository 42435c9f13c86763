import ArgumentParser
import CybexEngine
import CybexFormats
import CybexHTTP
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the TAXII 2.1 server.",
        discussion: """
            Creates and migrates the store on first run. When no user exists yet, creates the user 'admin' in \
            the organisation 'admin' and prints its password once. TAXII requires HTTPS: give --tls-cert and \
            --tls-key, or run behind a reverse proxy that terminates TLS (see docs/DEPLOYMENT.md).
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 8080
    @Option(help: "PEM certificate chain for HTTPS.") var tlsCert: String?
    @Option(help: "PEM private key for HTTPS.") var tlsKey: String?
    @Option(help: "Largest request body accepted, in bytes (TAXII max_content_length).") var maxContentLength = 64 << 20
    @Option(help: "The public base URL when behind a reverse proxy, e.g. https://cti.example.org.") var publicURL: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "Failed sign-ins of one account that lock it out (SECURITY.md, login throttling).")
    var loginFailuresPerAccount = LoginThrottlePolicy.standard.accountThreshold
    @Option(help: "Failed sign-ins from one client address that lock it out.")
    var loginFailuresPerAddress = LoginThrottlePolicy.standard.addressThreshold
    @Option(
        name: .customLong("trusted-proxy"),
        help: "IP address of a reverse proxy whose X-Forwarded-For names the client (repeatable; default: none).")
    var trustedProxies: [String] = []

    @Flag(help: "Serve TAXII GET requests without credentials: they see the TLP:CLEAR objects of public collections only.")
    var anonymousPublic = false
    @Option(
        help: """
            Run as a CSAF provider: serve the published advisories under /.well-known/csaf/ (provider-metadata.json \
            names this publisher; `cybex csaf publish` publishes).
            """)
    var csafPublisherName: String?
    @Option(help: "The CSAF publisher's namespace (a URL; required with --csaf-publisher-name).")
    var csafPublisherNamespace: String?
    @Option(help: "The CSAF publisher's category: coordinator, discoverer, other, translator, user or vendor.")
    var csafPublisherCategory = "coordinator"
    @Flag(help: "Serve TLP:WHITE CSAF advisories without credentials (CSAF's own switch, apart from --anonymous-public).")
    var csafAnonymous = false
    @Option(help: "Apply the retention policies every this many minutes (0: never; `cybex retention run` applies them by hand).")
    var retentionIntervalMinutes = 60
    @Option(
        help: """
            Apply the retention policies every this many seconds instead (0: never); for small deployments and tests. \
            Overrides --retention-interval-minutes.
            """)
    var retentionIntervalSeconds: Int?
    @Option(
        help: """
            Look for feeds that are due every this many seconds and pull them (0: never; `cybex feed pull` pulls one \
            by hand). Each feed's own interval says when it is due.
            """)
    var feedCheckSeconds = 30
    @Option(
        help: """
            Send the notification channels that are due their digests every this many seconds (0: never). Each \
            channel's own frequency says when it is due.
            """)
    var notificationCheckSeconds = 30
    @Option(
        help: """
            Look for incident cases whose SLA has run out every this many seconds and record the breach (0: never).
            """)
    var caseSLACheckSeconds = 60
    @Option(
        name: .customLong("exposure-check-seconds"),
        help: """
            Bring the remediation duties in line with every inventory's exposure every this many seconds (0: never).
            """)
    var exposureCheckSeconds = 900
    @Option(
        name: .customLong("remediation-check-seconds"),
        help: "Escalate open remediation duties past their due date every this many seconds (0: never).")
    var remediationCheckSeconds = 300
    @Option(
        help: """
            The DNS name this node issues IODEF incident ids under (cases, IODEF exports); default: the host of \
            --public-url, else the one each request names.
            """)
    var nodeName: String?
    @Option(help: "Listen for RID messages from peers on this port too (RFC 6546 registers 4590; docs/RID.md).")
    var ridPort: Int?
    @Option(help: "The address the RID listener listens on (default: --host).") var ridHost: String?
    @Option(help: "PEM file of the CA that issues RID peers' certificates: peers must present a certificate it signed.")
    var ridCa: String?
    @Option(help: "PEM certificate chain this node presents to RID peers, as server and as client (default: --tls-cert).")
    var ridCert: String?
    @Option(help: "PEM private key of --rid-cert (default: --tls-key).") var ridKey: String?
    @OptionGroup var smtp: SMTPOptions
    @Option(
        help: """
            Seconds a scheduled job's lease lasts unless the process running it renews it: how soon another \
            process on the same PostgreSQL takes over the job of one that died (docs/DEPLOYMENT.md).
            """)
    var jobLeaseSeconds = 60
    @Option(
        help: """
            Rehearsal only: each scheduled job holds its lease this many seconds before it runs, so that a \
            failover can be tried by killing the process running it (docs/DEPLOYMENT.md). 0 in production.
            """)
    var jobDelaySeconds = 0
    @Option(help: "Memory all request bodies in flight may hold, in MiB, processing included (SECURITY.md).")
    var bodyMemoryMib = BodyBudgetPolicy.standard.totalBytes >> 20
    @Option(help: "Memory the request bodies in flight of one user may hold, in MiB.")
    var bodyMemoryPerUserMib = BodyBudgetPolicy.standard.perUserBytes >> 20
    @Option(help: "Seconds a request body waits for room before it is refused with 503 or 429 and Retry-After.")
    var bodyWaitSeconds = 10
    @Flag(
        inversion: .prefixedNo,
        help: "Hand the allocator's free memory back to the system after large request bodies (glibc malloc_trim).")
    var mallocTrim = true
    @Option(
        help: """
            glibc malloc arenas at most (0: the C library's default, 8 per core); fewer arenas keep less memory \
            after large posts (BENCHMARKS.md). MALLOC_ARENA_MAX in the environment takes precedence.
            """)
    var mallocArenas = 2
    @Option(help: "Seconds a client has to send a request's headers.")
    var headerTimeoutSeconds = 10
    @Option(help: "Seconds a kept-alive connection may wait for its next request, or a body may stall.")
    var idleTimeoutSeconds = 30
    @Option(help: "Open connections at most; more are closed as soon as they are accepted.")
    var maxConnections = ConnectionLimits.standard.maxConnections

    func validate() throws {
        if notificationCheckSeconds < 0 { throw ValidationError("--notification-check-seconds cannot be negative") }
        if feedCheckSeconds < 0 { throw ValidationError("--feed-check-seconds cannot be negative") }
        if retentionIntervalMinutes < 0 { throw ValidationError("--retention-interval-minutes cannot be negative") }
        if let seconds = retentionIntervalSeconds, seconds < 0 {
            throw ValidationError("--retention-interval-seconds cannot be negative")
        }
        if jobLeaseSeconds < 1 { throw ValidationError("--job-lease-seconds must be at least 1") }
        if jobDelaySeconds < 0 { throw ValidationError("--job-delay-seconds cannot be negative") }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if !(1...65535).contains(port) { throw ValidationError("--port must be from 1 to 65535") }
        if maxContentLength < 1024 { throw ValidationError("--max-content-length must be at least 1024 bytes") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("unknown --log-level '\(logLevel)'") }
        if loginFailuresPerAccount < 1 || loginFailuresPerAddress < 1 {
            throw ValidationError("--login-failures-per-account and --login-failures-per-address must be at least 1")
        }
        if bodyMemoryMib < 1 || bodyMemoryPerUserMib < 1 {
            throw ValidationError("--body-memory-mib and --body-memory-per-user-mib must be at least 1")
        }
        if bodyMemoryPerUserMib > bodyMemoryMib {
            throw ValidationError("--body-memory-per-user-mib cannot exceed --body-memory-mib")
        }
        if bodyWaitSeconds < 0 { throw ValidationError("--body-wait-seconds cannot be negative") }
        if headerTimeoutSeconds < 1 || idleTimeoutSeconds < 1 {
            throw ValidationError("--header-timeout-seconds and --idle-timeout-seconds must be at least 1")
        }
        if maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
        if mallocArenas < 0 { throw ValidationError("--malloc-arenas cannot be negative") }
        if let ridPort {
            if !(1...65535).contains(ridPort) { throw ValidationError("--rid-port must be from 1 to 65535") }
            if ridPort == port { throw ValidationError("--rid-port must differ from --port") }
            if ridCa == nil { throw ValidationError("--rid-port needs --rid-ca: RID peers are authenticated by certificate") }
            if (ridCert ?? tlsCert) == nil || (ridKey ?? tlsKey) == nil {
                throw ValidationError(
                    "--rid-port needs this node's certificate: --rid-cert and --rid-key (or --tls-cert and --tls-key)")
            }
        } else if ridCa != nil || ridCert != nil || ridKey != nil || ridHost != nil {
            throw ValidationError("--rid-ca, --rid-cert, --rid-key and --rid-host go with --rid-port")
        }
        if let bad = trustedProxies.first(where: { !ClientAddress.isAddress($0) }) {
            throw ValidationError("--trusted-proxy '\(bad)' is not an IP address")
        }
    }

    func run() async throws {
        // Before the server's threads start, so that they share the arenas (measured: BENCHMARKS.md).
        if mallocArenas > 0, ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil {
            AllocatorTrim.limitArenas(to: mallocArenas)
        }
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        // Request lines are written every 100 ms: write the last ones when the server stops.
        defer { JSONLogHandler.flush() }
        var logger = Logger(label: "cybex")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        // Migrated and bootstrapped on a store of its own, before any service starts.
        try await store.withEngine(logger: logger) { engine in
            if let password = try await engine.administration(actor: "serve").bootstrapIfEmpty() {
                FileHandle.standardOutput.write(Data("admin password: \(password)\n".utf8))
                logger.notice("created the first user 'admin' in organisation 'admin'; its password was printed once")
            }
        }
        // Everything long-running is a Service of one ServiceGroup; on SIGTERM or SIGINT they stop in
        // the reverse order: the HTTP server (in-flight requests finish), the job runner (a running
        // job finishes), the read-audit writer (writes what is queued), the PostgreSQL pool.
        var configuration = ServerConfiguration(
            host: host, port: port, tlsCertificatePath: tlsCert, tlsKeyPath: tlsKey, maxContentLength: maxContentLength,
            publicURL: publicURL,
            loginThrottle: LoginThrottlePolicy(
                accountThreshold: loginFailuresPerAccount, addressThreshold: loginFailuresPerAddress),
            trustedProxies: trustedProxies, anonymousReads: anonymousPublic,
            bodyBudget: BodyBudgetPolicy(
                totalBytes: bodyMemoryMib << 20, perUserBytes: bodyMemoryPerUserMib << 20, wait: .seconds(bodyWaitSeconds),
                trimsAllocator: mallocTrim),
            connectionLimits: ConnectionLimits(
                headerTimeout: .seconds(headerTimeoutSeconds), idleTimeout: .seconds(idleTimeoutSeconds),
                maxConnections: maxConnections))
        if let name = csafPublisherName {
            guard let namespace = csafPublisherNamespace, CSAFDocument.isAbsoluteURI(namespace) else {
                throw ValidationError("--csaf-publisher-name needs --csaf-publisher-namespace, an absolute URL")
            }
            guard ["coordinator", "discoverer", "other", "translator", "user", "vendor"].contains(csafPublisherCategory) else {
                throw ValidationError("--csaf-publisher-category is coordinator, discoverer, other, translator, user or vendor")
            }
            configuration.csafPublisher = CSAFProvider.Publisher(
                name: name, namespace: namespace, category: csafPublisherCategory)
        }
        configuration.csafAnonymous = csafAnonymous
        // The node's name is fixed here, never taken from a request's Host header.
        configuration.nodeName =
            nodeName ?? configuration.publicURL.flatMap { URL(string: $0)?.host } ?? ProcessInfo.processInfo.hostName
        var ridListener: RIDListener.Configuration?
        var ridClient: RIDClient?
        if let ridPort, let ridCa, let certificate = ridCert ?? tlsCert, let key = ridKey ?? tlsKey {
            ridListener = RIDListener.Configuration(
                host: ridHost ?? host, port: ridPort, certificatePath: certificate, keyPath: key, caPath: ridCa,
                connectionLimits: configuration.connectionLimits)
            do {
                ridClient = try RIDClient(certificatePath: certificate, keyPath: key, caPath: ridCa)
            } catch {
                throw CommandFailure(message: "cannot set up RID's TLS: \(error)")
            }
            configuration.ridTransport = ridClient
        }
        let retentionPeriod = retentionPeriod
        let feedPeriod: Duration? = feedCheckSeconds > 0 ? .seconds(feedCheckSeconds) : nil
        let notificationPeriod: Duration? = notificationCheckSeconds > 0 ? .seconds(notificationCheckSeconds) : nil
        let casePeriod: Duration? = caseSLACheckSeconds > 0 ? .seconds(caseSLACheckSeconds) : nil
        let exposurePeriod: Duration? = exposureCheckSeconds > 0 ? .seconds(exposureCheckSeconds) : nil
        let remediationPeriod: Duration? = remediationCheckSeconds > 0 ? .seconds(remediationCheckSeconds) : nil
        let issuer = configuration.nodeName ?? ProcessInfo.processInfo.hostName
        let mailTransport = try mailTransport()
        let mailFrom = mailFrom
        let jobDelay = Duration.seconds(jobDelaySeconds)
        try await store.withServingNode(
            logger: logger, configuration: configuration, metrics: registry,
            jobs: { engine in
                var jobs: [ScheduledJob] = []
                if let retentionPeriod {
                    jobs.append(
                        .retention(engine.lifecycle(actor: "retention"), every: retentionPeriod, delay: jobDelay, logger: logger))
                }
                if let notificationPeriod {
                    let service = NotificationService(
                        engine: engine, mail: mailTransport, http: AsyncHTTPTransport(), sender: mailFrom)
                    jobs.append(.notifications(service, every: notificationPeriod, logger: logger))
                }
                if let feedPeriod {
                    jobs.append(
                        .feeds(FeedService(engine: engine, transport: AsyncHTTPTransport()), every: feedPeriod, logger: logger))
                }
                if let casePeriod {
                    jobs.append(.caseSLAs(engine.cases(issuer: issuer), every: casePeriod, logger: logger))
                }
                if let exposurePeriod {
                    jobs.append(.exposure(engine.exposure(), every: exposurePeriod, logger: logger))
                }
                if let remediationPeriod {
                    jobs.append(.remediationEscalation(engine.remediation(), every: remediationPeriod, logger: logger))
                }
                return jobs
            },
            rid: ridListener,
            lease: .seconds(jobLeaseSeconds),
            tick: min(
                .seconds(1), (retentionPeriod ?? .seconds(4)) / 4, (feedPeriod ?? .seconds(4)) / 4,
                (notificationPeriod ?? .seconds(4)) / 4, (casePeriod ?? .seconds(4)) / 4,
                (exposurePeriod ?? .seconds(4)) / 4, (remediationPeriod ?? .seconds(4)) / 4)
        ) { node in
            logger.info(
                "serving TAXII 2.1",
                metadata: ["address": "\(host):\(port)", "tls": "\(configuration.tlsCertificatePath != nil)"])
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: node.services,
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
            await node.readAudit.flush()
            try? await ridClient?.shutdown()
            logger.info("stopped")
        }
    }

    /// How often the retention job runs; nil for never.
    var retentionPeriod: Duration? {
        let seconds = retentionIntervalSeconds ?? retentionIntervalMinutes * 60
        return seconds > 0 ? .seconds(seconds) : nil
    }

    /// The `From:` of e-mail digests.
    var mailFrom: String { smtp.mailFrom }

    /// The SMTP relay e-mail digests go through; nil when none is configured (e-mail channels then
    /// fail, recorded on each channel).
    func mailTransport() throws -> (any MailTransport)? { try smtp.transport() }
}
