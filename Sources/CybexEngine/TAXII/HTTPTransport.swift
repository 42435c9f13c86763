/// One HTTP request the Engine sends to another node (TAXII feeds, federation).
public struct OutboundRequest: Sendable, Hashable {
    public var method: String
    public var url: String
    /// Header names and values, in order.
    public var headers: [Header]
    public var body: [UInt8]?

    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(method: String, url: String, headers: [Header] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// The answer to an ``OutboundRequest``.
public struct InboundResponse: Sendable, Hashable {
    public var status: Int
    /// Header names (lower-cased) and values, in order.
    public var headers: [OutboundRequest.Header]
    public var body: [UInt8]

    public init(status: Int, headers: [OutboundRequest.Header], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (any case).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }
}

/// What sends the Engine's outbound requests: the server's HTTP client in production
/// (`AsyncHTTPTransport` in CybexHTTP), so the Engine itself does no network I/O of its own.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and reads at most `maxResponseBytes` of the answer's body; a longer body is
    /// an error, never a truncated answer.
    func send(_ request: OutboundRequest, maxResponseBytes: Int) async throws -> InboundResponse
}
