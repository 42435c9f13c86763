public import AsyncHTTPClient
public import CybexEngine
import NIOCore
import NIOHTTP1

/// The Engine's ``HTTPTransport`` over AsyncHTTPClient: what TAXII feeds and federation send
/// their requests with. Each request has a deadline; an answer's body is read up to the limit the
/// caller gives and refused beyond it.
public struct AsyncHTTPTransport: HTTPTransport {
    let client: HTTPClient
    let timeout: TimeAmount

    /// `client` defaults to the process's shared client; `timeout` bounds each whole exchange.
    public init(client: HTTPClient = .shared, timeout: Duration = .seconds(60)) {
        self.client = client
        let (seconds, attoseconds) = timeout.components
        self.timeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    public func send(_ request: OutboundRequest, maxResponseBytes: Int) async throws -> InboundResponse {
        var outbound = HTTPClientRequest(url: request.url)
        outbound.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { outbound.headers.add(name: header.name, value: header.value) }
        if let body = request.body { outbound.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(outbound, timeout: timeout)
        let body = try await response.body.collect(upTo: maxResponseBytes)
        return InboundResponse(
            status: Int(response.status.code),
            headers: response.headers.map { OutboundRequest.Header($0.name.lowercased(), $0.value) },
            body: Array(body.readableBytesView))
    }
}
