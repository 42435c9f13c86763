import CybexCore
public import CybexEngine
import CybexFormats
public import CybexStore
public import Hummingbird
import HummingbirdTLS
public import Logging
public import Prometheus

/// Builds the `cybex serve` application: TAXII 2.1 under `/taxii2/`, the REST API under `/api/v1/`
/// (described at `/api/openapi.json`), `/healthz`, `/metrics`.
///
/// ```swift
/// let app = try CybexServer.application(configuration: .init(port: 8080), store: store, logger: logger)
/// try await app.runService()
/// ```
public enum CybexServer {
    public static func application(
        configuration: ServerConfiguration, store: any Store, logger: Logger,
        metrics: PrometheusCollectorRegistry? = nil, passwordHasher: PasswordHasher = PasswordHasher(),
        readAudit: ReadAuditLog? = nil, bodyBudget: BodyBudget? = nil
    ) throws -> some ApplicationProtocol {
        let router = self.router(
            configuration: configuration, store: store, metrics: metrics, passwordHasher: passwordHasher, readAudit: readAudit,
            bodyBudget: bodyBudget)
        let appConfiguration = ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: "cybex")
        var server = LimitedHTTP1Channel.builder(limits: configuration.connectionLimits)
        if let certificate = configuration.tlsCertificatePath, let key = configuration.tlsKeyPath {
            server = try .tls(server, tlsConfiguration: try TLSSettings.server(certificatePath: certificate, keyPath: key))
        }
        return Application(router: router, server: server, configuration: appConfiguration, logger: logger)
    }

    /// The router alone, for tests that drive it without a socket. HEAD is answered on every GET
    /// route, as the GET with no body. `bodyBudget` bounds the memory of request bodies in flight;
    /// nil makes one from `configuration.bodyBudget`.
    public static func router(
        configuration: ServerConfiguration, store: any Store, metrics: PrometheusCollectorRegistry?,
        passwordHasher: PasswordHasher = PasswordHasher(), readAudit: ReadAuditLog? = nil, bodyBudget: BodyBudget? = nil
    ) -> Router<CybexRequestContext> {
        let router = Router(context: CybexRequestContext.self, options: .autoGenerateHeadEndpoints)
        let budget = bodyBudget ?? BodyBudget(policy: configuration.bodyBudget)
        router.add(middleware: ResponseHeadersMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: MetricsMiddleware())

        let engine = Engine(
            store: store, hasher: passwordHasher, limits: STIXBundleDecoder.Limits(maxObjects: 1_000_000), readAudit: readAudit)

        router.get("/healthz") { _, _ in
            try await engine.checkStore()
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }

        let authentication = AuthenticationMiddleware(
            authenticator: engine.authenticator(throttle: configuration.loginThrottle), securityAudit: engine.securityAudit,
            trustedProxies: Set(configuration.trustedProxies), anonymousReads: configuration.anonymousReads)

        router.group("metrics").add(middleware: authentication).get { _, context in
            let principal = try context.requirePrincipal()
            guard principal.allows(.admin) else { throw ScopeMiddleware.insufficient(.admin) }
            guard principal.user.role == .admin else {
                throw TAXIIError(.forbidden, title: "Forbidden", description: "metrics are for administrators", code: "forbidden")
            }
            let body = metrics?.emitToBuffer() ?? []
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }

        let taxii = router.group("taxii2").add(middleware: authentication)
            .add(middleware: ScopeMiddleware(read: .taxiiRead, write: .taxiiWrite)).add(middleware: NegotiationMiddleware())
            .add(
                middleware: BodyBudgetMiddleware(
                    budget: budget, costFactor: budget.policy.envelopeCostFactor, maxContentLength: configuration.maxContentLength
                ))
        TAXIIRoutes(configuration: configuration, collections: engine.collections).register(on: taxii)

        // The OpenAPI document describes the API and holds no data: served without credentials.
        let openAPI = JSONWriter.bytes(OpenAPIDocument.document())
        router.get("/api/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
        let rest = router.group("api/v1").add(middleware: authentication)
            .add(middleware: ScopeMiddleware(read: .apiRead, write: .apiWrite))
            .add(
                middleware: BodyBudgetMiddleware(
                    budget: budget, costFactor: budget.policy.jsonCostFactor, maxContentLength: configuration.maxContentLength))
        RESTRoutes(configuration: configuration, engine: engine).register(on: rest)
        if let publisher = configuration.csafPublisher {
            // CSAF provider mode: its own switch for anonymous reads, TLP:WHITE documents only.
            var csafAuthentication = authentication
            csafAuthentication.anonymousReads = configuration.csafAnonymous
            csafAuthentication.anonymousPrefix = "/.well-known/csaf/"
            let routes = CSAFRoutes(
                provider: engine.csafProvider(clock: configuration.clock), publisher: publisher, configuration: configuration)
            routes.registerMetadata(on: router)
            routes.register(on: router.group(".well-known/csaf").add(middleware: csafAuthentication))
        }
        return router
    }
}
