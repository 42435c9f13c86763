public import CybexCore
public import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the authenticated principal.
public struct CybexRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AuthenticationMiddleware`` before any handler runs.
    public var principal: Principal?
    /// The IP address of the TCP peer (nil when there is none, as in router tests). Login
    /// throttling counts failures against it; forwarding headers are not trusted.
    public var clientAddress: String?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The principal; handlers behind the authentication middleware may rely on it.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw AuthenticationMiddleware.challenge("authentication required") }
        return principal
    }
}
