public import CybexCore
public import Hummingbird

/// The per-request context: Hummingbird's core storage plus the authenticated principal.
public struct CybexRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AuthenticationMiddleware`` before any handler runs.
    public var principal: Principal?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// The principal; handlers behind the authentication middleware may rely on it.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw AuthenticationMiddleware.challenge("authentication required") }
        return principal
    }
}
