import HTTPTypes
import CybexCore
import CybexEngine
import CybexStore
import Foundation
import Hummingbird
import Logging

/// Authenticates every request that reaches it with HTTP Basic (RFC 7617) or an API token
/// (`Authorization: Bearer cbx_…`, RFC 6750). Without valid credentials the answer is 401 with a
/// `WWW-Authenticate` challenge for both schemes; failures are written to the audit log.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = CybexRequestContext
    let authenticator: Authenticator
    let store: any Store

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw Self.challenge("authentication required: use HTTP Basic or a Bearer API token")
        }
        var context = context
        do {
            context.principal = try await authenticate(header)
        } catch let error as AuthenticationError {
            try? await store.appendAudit(
                AuditEvent(
                    time: Clock.nowMicroseconds(), actor: "anonymous", action: "auth.failure",
                    target: request.uri.path, detail: "\(error.code.rawValue): \(error.message)"))
            context.logger.notice("authentication failed", metadata: ["reason": "\(error.code.rawValue)"])
            throw Self.challenge(error.message)
        }
        context.logger[metadataKey: "user"] = "\(context.principal!.user.username)"
        return try await next(request, context)
    }

    func authenticate(_ header: String) async throws -> Principal {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { throw AuthenticationError(.malformed, "malformed Authorization header") }
        let scheme = parts[0].lowercased()
        let credentials = parts[1].trimmingCharacters(in: .whitespaces)
        switch scheme {
        case "basic":
            guard credentials.utf8.count <= 1024, let data = Data(base64Encoded: credentials),
                let decoded = String(data: data, encoding: .utf8), let colon = decoded.firstIndex(of: ":")
            else { throw AuthenticationError(.malformed, "malformed Basic credentials") }
            return try await authenticator.authenticate(
                username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
        case "bearer":
            return try await authenticator.authenticate(token: credentials)
        default:
            throw AuthenticationError(.malformed, "unsupported authorization scheme '\(parts[0])': use Basic or Bearer")
        }
    }

    static func challenge(_ description: String) -> TAXIIError {
        var headers = HTTPFields()
        headers.append(HTTPField(name: .wwwAuthenticate, value: "Basic realm=\"cybex\", charset=\"UTF-8\""))
        headers.append(HTTPField(name: .wwwAuthenticate, value: "Bearer realm=\"cybex\""))
        return TAXIIError(.unauthorized, title: "Unauthorized", description: description, code: "unauthorized", headers: headers)
    }
}
