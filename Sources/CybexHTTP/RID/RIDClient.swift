import AsyncHTTPClient
public import CybexEngine
import CybexFormats
import NIOCore
import NIOHTTP1
import NIOSSL

/// The Engine's ``RIDTransport`` over AsyncHTTPClient (RFC 6546 section 3): a POST of the RID
/// document as `text/xml`, this node's client certificate presented, redirects refused (the RFC
/// forbids following them), the answer read up to the RID bound.
public final class RIDClient: RIDTransport {
    let client: HTTPClient
    let timeout: TimeAmount

    /// A client that presents `certificatePath`/`keyPath` and trusts the peers `caPath` issued;
    /// `timeout` bounds each exchange (RFC 6546: an answer comes within about 30 s, else later).
    public init(certificatePath: String, keyPath: String, caPath: String, timeout: Duration = .seconds(45)) throws {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: try RIDTLS.client(certificatePath: certificatePath, keyPath: keyPath, caPath: caPath),
            redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(40))
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let (seconds, attoseconds) = timeout.components
        self.timeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    public func post(_ body: [UInt8], to endpoint: String) async throws -> RIDDelivery {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: RID.mediaType)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: timeout)
        let answer = try await response.body.collect(upTo: RID.limits.maxBytes)
        return RIDDelivery(status: Int(response.status.code), body: Array(answer.readableBytesView))
    }

    /// Closes the client's connections.
    public func shutdown() async throws {
        try await client.shutdown()
    }
}
