import CybexCore
import HTTPTypes
import Hummingbird

/// Refuses, with 403 `insufficient-scope`, a request whose API token lacks the scope the request
/// needs (``TokenScope``): TAXII reads (GET, HEAD) need `taxii:read`, TAXII writes (POST, DELETE)
/// `taxii:write`; REST reads `api:read`, REST writes (POST, PUT, PATCH, DELETE) `api:write`. Password logins and tokens without scopes pass; the role is checked where the
/// request is authorised, so a scope never grants more than the role.
struct ScopeMiddleware: RouterMiddleware {
    typealias Context = CybexRequestContext
    /// The scope needed for reads, and the one for anything else.
    let read: TokenScope
    let write: TokenScope

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let principal = try context.requirePrincipal()
        let needed = request.method == .get || request.method == .head ? read : write
        guard principal.allows(needed) else { throw Self.insufficient(needed) }
        return try await next(request, context)
    }

    static func insufficient(_ scope: TokenScope) -> TAXIIError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer realm=\"cybex\", error=\"insufficient_scope\", scope=\"\(scope.rawValue)\""
        return TAXIIError(
            .forbidden, title: "Insufficient scope", description: "this API token lacks the scope \(scope.rawValue)",
            code: "insufficient-scope", headers: headers)
    }
}
