/// How RID messages leave this node: an HTTPS POST with mutual TLS to a peer's endpoint (RFC
/// 6546). The HTTP adapter provides it (`RIDClient` in CybexHTTP); the Engine only hands it bytes.
public protocol RIDTransport: Sendable {
    /// Posts the RID document `body` (`text/xml`) to `endpoint`; the HTTP status and the body of
    /// the response (empty for a 202 or a callback's 200). Throws when nothing came back.
    func post(_ body: [UInt8], to endpoint: String) async throws -> RIDDelivery
}

/// A peer's response to a post.
public struct RIDDelivery: Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// What the RID listener answers a post with (RFC 6546 section 3): 200 with a RID reply, 200 with
/// none (a callback, a report), or a 4xx with the reason in words.
public struct RIDReceipt: Sendable, Equatable {
    public var status: Int
    /// The RID reply (`text/xml`), or nil.
    public var body: [UInt8]?
    /// Why the post was refused (4xx), for the response and the logs.
    public var problem: String?

    public init(status: Int, body: [UInt8]? = nil, problem: String? = nil) {
        self.status = status
        self.body = body
        self.problem = problem
    }
}
