public import CybexCore
public import CybexStore
import Crypto
import Foundation
import Synchronization

/// Why a credential was refused. Messages are deliberately the same for an unknown user and a
/// wrong password.
public struct AuthenticationError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case missing
        case malformed
        case invalid
        case expired
        case disabled
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// Turns credentials (HTTP Basic username and password, or an API token) into a ``Principal``.
///
/// bcrypt is checked once per credential, not once per request: TAXII clients send Basic auth
/// on every call. A verified credential is remembered for `cacheLifetime`, keyed by an HMAC of the
/// username and password under a per-process random key, together with the password hash it was
/// verified against; a changed password or a disabled account is seen on the next request because
/// the user row is read every time.
public final class Authenticator: Sendable {
    /// API tokens start with this prefix, so that a token is recognisable in a secret scanner.
    public static let tokenPrefix = "cbx_"

    let store: any Store
    let hasher: PasswordHasher
    let cacheKey = Data(Secrets.random(bytes: 32).utf8)
    let cacheLifetime: Int64
    let verified = Mutex<[Data: (passwordHash: String, expires: Int64)]>([:])

    /// A bcrypt hash of a random string, verified against when the user does not exist, so that
    /// an unknown username costs as much as a wrong password.
    let dummyHash: String

    public init(store: any Store, hasher: PasswordHasher, cacheLifetimeSeconds: Int64 = 300) {
        self.store = store
        self.hasher = hasher
        self.dummyHash = hasher.hash(Secrets.random())
        self.cacheLifetime = cacheLifetimeSeconds * 1_000_000
    }

    /// The principal for a username and password.
    public func authenticate(username: String, password: String) async throws -> Principal {
        guard let user = try await store.user(named: username) else {
            _ = hasher.verify(password, against: dummyHash)  // same cost whether or not the user exists
            throw AuthenticationError(.invalid, "invalid username or password")
        }
        let now = Clock.nowMicroseconds()
        let key = Data(HMAC<SHA256>.authenticationCode(for: Data("\(username)\u{0}\(password)".utf8), using: SymmetricKey(data: cacheKey)))
        let cached = verified.withLock { $0[key] }
        if let cached, cached.passwordHash == user.passwordHash, cached.expires > now {
            return try await principal(for: user)
        }
        guard hasher.verify(password, against: user.passwordHash) else {
            throw AuthenticationError(.invalid, "invalid username or password")
        }
        verified.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[key] = (user.passwordHash, now + cacheLifetime)
        }
        return try await principal(for: user)
    }

    /// The principal for an API token (`cbx_…`).
    public func authenticate(token: String) async throws -> Principal {
        guard token.hasPrefix(Self.tokenPrefix), token.utf8.count >= 20, token.utf8.count <= 200 else {
            throw AuthenticationError(.malformed, "malformed API token")
        }
        guard let record = try await store.token(secretHash: Secrets.sha256Hex(token)) else {
            throw AuthenticationError(.invalid, "invalid API token")
        }
        guard record.isUsable(at: Clock.nowMicroseconds()) else {
            throw AuthenticationError(.expired, record.revokedAt != nil ? "the API token was revoked" : "the API token has expired")
        }
        guard let user = try await store.user(id: record.userID) else {
            throw AuthenticationError(.invalid, "invalid API token")
        }
        return try await principal(for: user)
    }

    func principal(for user: User) async throws -> Principal {
        guard !user.disabled else { throw AuthenticationError(.disabled, "the account is disabled") }
        guard let organisation = try await store.organisation(id: user.organisationID) else {
            throw AuthenticationError(.invalid, "the account's organisation no longer exists")
        }
        return Principal(user: user, organisation: organisation)
    }
}
