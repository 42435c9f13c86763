public import CybexEngine
import CybexFormats
public import Hummingbird
import HummingbirdTLS
public import Logging
import NIOCore
import NIOSSL

/// The RID listener (`cybex serve --rid-port P --rid-ca FILE`; RFC 6546 section 3): HTTPS with
/// client certificates required, on a port of its own. `POST /` takes a RID message and answers
/// with the RID reply (`text/xml`); `GET /` and `HEAD /` answer 204; any other path 404. The
/// client certificate, checked against the RID CA by TLS, is mapped to a peer by its fingerprint
/// in the Engine.
public enum RIDListener {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var certificatePath: String
        public var keyPath: String
        public var caPath: String
        /// Header and idle timeouts and the most open connections, as for the main server.
        public var connectionLimits: ConnectionLimits

        public init(
            host: String, port: Int, certificatePath: String, keyPath: String, caPath: String,
            connectionLimits: ConnectionLimits = .standard
        ) {
            self.host = host
            self.port = port
            self.certificatePath = certificatePath
            self.keyPath = keyPath
            self.caPath = caPath
            self.connectionLimits = connectionLimits
        }
    }

    public static func application(configuration: Configuration, rid: RIDService, logger: Logger) throws
        -> some ApplicationProtocol
    {
        let router = Router(context: RIDRequestContext.self)
        router.add(middleware: RequestLogMiddleware())
        router.get("/") { _, _ in Response(status: .noContent) }
        router.head("/") { _, _ in Response(status: .noContent) }
        router.post("/") { request, context in
            try await receive(request, context: context, rid: rid)
        }
        let tls = try RIDTLS.server(
            certificatePath: configuration.certificatePath, keyPath: configuration.keyPath, caPath: configuration.caPath)
        return Application(
            router: router,
            server: try .tls(LimitedHTTP1Channel.builder(limits: configuration.connectionLimits), tlsConfiguration: tls),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "cybex-rid"),
            logger: logger)
    }

    static func receive(_ request: Request, context: RIDRequestContext, rid: RIDService) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: RID.limits.maxBytes)
        } catch {
            return problem(413, "a RID message is at most \(RID.limits.maxBytes) bytes")
        }
        let fingerprint: String?
        do {
            fingerprint = try await context.channel.nioSSL_peerCertificate().get().map { try RIDTLS.fingerprint($0) }
        } catch {
            fingerprint = nil
        }
        let receipt = await rid.receive(Array(body.readableBytesView), fingerprint: fingerprint)
        if let reply = receipt.body {
            return Response(
                status: .init(code: receipt.status), headers: [.contentType: RID.mediaType],
                body: .init(byteBuffer: ByteBuffer(bytes: reply)))
        }
        if let text = receipt.problem { return problem(receipt.status, text) }
        return Response(status: .init(code: receipt.status))
    }

    static func problem(_ status: Int, _ text: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}

/// The RID listener's request context: the connection, to read the client certificate from.
public struct RIDRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
