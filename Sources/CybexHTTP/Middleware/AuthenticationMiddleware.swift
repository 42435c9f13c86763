import CybexCore
import CybexEngine
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Authenticates every request that reaches it with HTTP Basic (RFC 7617) or an API token
/// (`Authorization: Bearer cbx_…`, RFC 6750). Without valid credentials the answer is 401 with a
/// `WWW-Authenticate` challenge for both schemes and a TAXII error naming the reason (malformed,
/// unknown, expired or revoked token, disabled account; a wrong password and an unknown user read
/// the same); while the account or the client address is locked out after repeated failures
/// (``LoginThrottlePolicy``), 429 with `Retry-After`, without checking the credential. Every
/// refusal is written to the audit log (`auth.failure`, `auth.throttled`), naming the account a
/// Basic credential tried and the real reason (a disabled account's right password is answered
/// exactly as a wrong one, and audited as what it was).
///
/// Every authenticated request answered 403 (a role, a scope, a right the caller lacks) is
/// audited too, as `access.denied` with the caller, the path and the route (``SecurityAudit``:
/// batched behind the response when the server has a read-audit writer, else directly).
///
/// The client address is the TCP peer's; `X-Forwarded-For` is read only when the peer is one of
/// `trustedProxies` (``ClientAddress``).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = CybexRequestContext
    let authenticator: Authenticator
    /// Where refused credentials and denied requests are recorded.
    let securityAudit: SecurityAudit
    var trustedProxies: Set<String> = []
    /// Serve GET/HEAD requests under `anonymousPrefix` without credentials as ``Principal/anonymous``.
    var anonymousReads = false
    /// The paths anonymous reads are for: TAXII's, or CSAF's for the CSAF group's own middleware.
    var anonymousPrefix = "/taxii2/"

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    enum Scheme: String {
        case basic
        case bearer
        case other
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        guard let header = request.headers[.authorization] else {
            if anonymousReads, request.method == .get || request.method == .head, request.uri.path.hasPrefix(anonymousPrefix) {
                var context = context
                context.principal = .anonymous
                context.logger[metadataKey: "user"] = "anonymous"
                return try await next(request, context)
            }
            throw Self.challenge("authentication required: use HTTP Basic or a Bearer API token")
        }
        var context = context
        let address = ClientAddress.resolve(
            peer: context.clientAddress, forwardedFor: request.headers[values: Self.forwardedFor],
            trustedProxies: trustedProxies)
        var scheme = Scheme.other
        do {
            context.principal = try await authenticate(header, address: address, scheme: &scheme)
        } catch let error as AuthenticationError {
            await securityAudit.authenticationRefused(error, path: request.uri.path, address: address)
            context.logger.notice("authentication failed", metadata: ["reason": "\(error.code.rawValue)"])
            throw Self.refusal(error, scheme: scheme)
        }
        let principal = context.principal!
        context.logger[metadataKey: "user"] = "\(principal.user.username)"
        do {
            return try await next(request, context)
        } catch {
            if let message = Self.forbiddenMessage(error) {
                await securityAudit.accessDenied(
                    by: principal, path: request.uri.path,
                    detail: "\(request.method.rawValue) \(context.endpointPath ?? request.uri.path): \(message)")
            }
            throw error
        }
    }

    /// The message of an error answered 403 (an authorisation refusal); nil for any other error.
    static func forbiddenMessage(_ error: any Error) -> String? {
        switch error {
        case let error as RESTError where error.status == .forbidden: error.message
        case let error as TAXIIError where error.status == .forbidden: error.errorDescription ?? error.title
        case let error as EngineError where error.code == .forbidden: error.message
        case let error as any HTTPResponseError where error.status == .forbidden: "\(error)"
        default: nil
        }
    }

    func authenticate(_ header: String, address: String?, scheme: inout Scheme) async throws -> Principal {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { throw AuthenticationError(.malformed, "malformed Authorization header") }
        let credentials = parts[1].trimmingCharacters(in: .whitespaces)
        scheme = Scheme(rawValue: parts[0].lowercased()) ?? .other
        switch scheme {
        case .basic:
            guard credentials.utf8.count <= 1024, let data = Data(base64Encoded: credentials),
                let decoded = String(data: data, encoding: .utf8), let colon = decoded.firstIndex(of: ":")
            else { throw AuthenticationError(.malformed, "malformed Basic credentials") }
            return try await authenticator.authenticate(
                username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]),
                address: address)
        case .bearer:
            return try await authenticator.authenticate(token: credentials, address: address)
        case .other:
            throw AuthenticationError(.malformed, "unsupported authorization scheme '\(parts[0])': use Basic or Bearer")
        }
    }

    /// The answer to a refused credential: a specific title and `error_code` per reason.
    static func refusal(_ error: AuthenticationError, scheme: Scheme) -> TAXIIError {
        let token = scheme == .bearer
        switch error.code {
        case .throttled:
            var headers = HTTPFields()
            headers[.retryAfter] = String(error.retryAfterSeconds ?? 60)
            return TAXIIError(
                .tooManyRequests, title: "Too many failed sign-ins", description: error.message, code: "throttled",
                headers: headers)
        case .missing:
            return challenge(error.message)
        case .malformed:
            return challenge(
                error.message, title: token ? "Malformed API token" : "Malformed credentials",
                code: token ? "malformed-token" : "malformed-credentials")
        case .invalid:
            return challenge(
                error.message, title: token ? "Unknown API token" : "Invalid credentials",
                code: token ? "unknown-token" : "invalid-credentials")
        case .expired:
            return challenge(error.message, title: "Expired API token", code: "expired-token")
        case .revoked:
            return challenge(error.message, title: "Revoked API token", code: "revoked-token")
        case .disabled:
            return challenge(error.message, title: "Account disabled", code: "account-disabled")
        default:
            // A reason this version does not name: refused, without saying more.
            return challenge(error.message)
        }
    }

    static func challenge(_ description: String, title: String = "Unauthorized", code: String = "unauthorized") -> TAXIIError {
        var headers = HTTPFields()
        headers.append(HTTPField(name: .wwwAuthenticate, value: "Basic realm=\"cybex\", charset=\"UTF-8\""))
        headers.append(HTTPField(name: .wwwAuthenticate, value: "Bearer realm=\"cybex\""))
        return TAXIIError(.unauthorized, title: title, description: description, code: code, headers: headers)
    }
}
