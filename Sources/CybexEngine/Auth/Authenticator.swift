import Crypto
public import CybexCore
public import CybexStore
import Foundation
import Synchronization

/// Why a credential was refused. Messages are deliberately the same for an unknown user, a wrong
/// password, a disabled account's right password and a username or password holding a control
/// character; ``reason`` and ``account`` keep the truth for the audit log, never for the client.
public struct AuthenticationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why a credential was refused, by name: an extensible set.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let missing = Code(rawValue: "missing")
        public static let malformed = Code(rawValue: "malformed")
        public static let invalid = Code(rawValue: "invalid")
        public static let expired = Code(rawValue: "expired")
        public static let revoked = Code(rawValue: "revoked")
        public static let disabled = Code(rawValue: "disabled")
        /// Too many failures from this account or address: refused without checking the credential.
        public static let throttled = Code(rawValue: "throttled")

        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String
    /// For `.throttled`: whole seconds until the lockout ends.
    public var retryAfterSeconds: Int64?
    /// The account a Basic credential named, as typed (control characters written as `\uXXXX`);
    /// for the audit log only.
    public var account: String?
    /// The real reason when ``message`` is deliberately vague (`unknown account`, `wrong password`,
    /// `account disabled`…); for the audit log only.
    public var reason: String?

    /// The source file (`#fileID`) and line that raised the error (not compared).
    public var file: String
    public var line: Int

    public init(
        _ code: Code, _ message: String, retryAfterSeconds: Int64? = nil, account: String? = nil, reason: String? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
        self.account = account
        self.reason = reason
        self.file = file
        self.line = line
    }

    public static func == (a: AuthenticationError, b: AuthenticationError) -> Bool {
        a.code == b.code && a.message == b.message && a.retryAfterSeconds == b.retryAfterSeconds && a.account == b.account
            && a.reason == b.reason
    }

    /// The one answer to every refused username and password that is not malformed or throttled.
    static func invalidCredentials(account: String, reason: String) -> AuthenticationError {
        AuthenticationError(.invalid, "invalid username or password", account: account, reason: reason)
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
///
/// Failed attempts are counted per account and per client address (``LoginThrottlePolicy``); while
/// either is locked out, attempts are refused with `.throttled` before any password is checked.
public final class Authenticator: Sendable {
    /// API tokens start with this prefix, so that a token is recognisable in a secret scanner.
    public static let tokenPrefix = "cbx_"
    /// Characters after the prefix: 256 random bits in base64url without padding.
    public static let tokenSecretLength = 43

    let store: any Store
    let hasher: PasswordHasher
    let throttle: LoginThrottlePolicy
    /// An HMAC already keyed with a per-process random key (``cacheEntryKey(username:password:)``
    /// copies it: the key's two blocks are not hashed again on every request). A value never changed
    /// after it is made, only copied, so sharing it between threads is safe.
    nonisolated(unsafe) let cacheMAC = HMAC<SHA256>(key: SymmetricKey(data: Data(Secrets.random(bytes: 32).utf8)))
    let cacheLifetime: Int64
    let verified = Mutex<[Data: (passwordHash: String, expires: Int64)]>([:])
    /// Failures recorded by this process; every ``purgeInterval``-th also removes counters that
    /// have been quiet for a whole window, so the table does not grow without bound.
    let failuresRecorded = Mutex<Int>(0)
    static let purgeInterval = 1000

    /// A bcrypt hash of a random string, verified against when the user does not exist, so that
    /// an unknown username costs as much as a wrong password.
    let dummyHash: String

    public init(
        store: any Store, hasher: PasswordHasher, throttle: LoginThrottlePolicy = .standard,
        cacheLifetimeSeconds: Int64 = 300
    ) {
        self.store = store
        self.hasher = hasher
        self.throttle = throttle
        self.dummyHash = hasher.hash(Secrets.random())
        self.cacheLifetime = cacheLifetimeSeconds * 1_000_000
    }

    /// The principal for a username and password. `address` is the client's IP address (the TCP
    /// peer), nil when unknown; failures count against it and against the account.
    public func authenticate(username: String, password: String, address: String? = nil) async throws -> Principal {
        let addressKeys = address.map { [LoginThrottlePolicy.addressKey($0)] } ?? []
        // A control character (a NUL above all) is refused before any lookup: SQLite and bcrypt
        // would see only the text before a NUL, so `u1\0x` would sign in as `u1`. Answered, and
        // counted against the address, as a wrong password is.
        if let field = ControlCharacters.contains(in: username)
            ? "username" : ControlCharacters.contains(in: password) ? "password" : nil
        {
            let account = ControlCharacters.escaped(username)
            do {
                _ = try await checkNotThrottled(addressKeys)
            } catch var error as AuthenticationError {
                error.account = account
                throw error
            }
            _ = hasher.verify("not a password", against: dummyHash)  // the cost of a password check
            try await recordFailure(addressKeys)
            throw AuthenticationError.invalidCredentials(account: account, reason: "the \(field) contains a control character")
        }
        // A credential verified within the cache lifetime (and the password unchanged since) is not
        // a guess: it goes by without the throttle, so a lockout an attacker causes does not lock
        // out the people already signed in — and costs no counter read per request.
        let account = try await store.userWithOrganisation(named: username)
        if let (user, organisation) = account, !user.disabled,
            isCached(username: username, password: password, user: user)
        {
            return try principal(for: user, in: organisation)
        }
        let accountKey = LoginThrottlePolicy.accountKey(username)
        let keys = [accountKey] + addressKeys
        let counters: [AuthFailureCounter]
        do {
            counters = try await checkNotThrottled(keys)
        } catch var error as AuthenticationError {
            error.account = username
            throw error
        }
        do {
            let principal = try verify(username: username, password: password, account: account)
            if counters.contains(where: { $0.key == accountKey }) {
                try await store.updateAuthFailureCounter(key: accountKey) { _ in nil }
            }
            // A sign-in: the password checked against its hash (then cached for a while, so this
            // is recorded once per cache lifetime, not on every request).
            try await store.appendAudit(
                AuditEvent(
                    time: SystemWallClock.nowMicroseconds(), actor: username, action: "auth.login", target: "password",
                    detail: address.map { "from \($0)" } ?? ""))
            return principal
        } catch let error as AuthenticationError where error.code == .invalid || error.code == .disabled {
            // A disabled account's right password is answered, and counted, as a wrong one: the
            // answer never confirms a password. The audit entry keeps the real reason.
            try await recordFailure(keys)
            throw AuthenticationError.invalidCredentials(account: username, reason: error.reason ?? error.message)
        }
    }

    /// Checks the password of `account` (the user named `username` and their organisation, as
    /// read) with bcrypt and caches the credential on success.
    func verify(username: String, password: String, account: (User, Organisation?)?) throws -> Principal {
        guard let (user, organisation) = account else {
            _ = hasher.verify(password, against: dummyHash)  // same cost whether or not the user exists
            throw AuthenticationError.invalidCredentials(account: username, reason: "unknown account")
        }
        guard hasher.verify(password, against: user.passwordHash) else {
            throw AuthenticationError.invalidCredentials(account: username, reason: "wrong password")
        }
        guard !user.disabled else {
            throw AuthenticationError.invalidCredentials(account: username, reason: "account disabled (the password was right)")
        }
        let key = cacheEntryKey(username: username, password: password)
        verified.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[key] = (user.passwordHash, SystemWallClock.nowMicroseconds() + cacheLifetime)
        }
        return try principal(for: user, in: organisation)
    }

    /// The key of a verified credential in the cache: an HMAC of username and password under a
    /// per-process random key, so the cache never holds a password.
    func cacheEntryKey(username: String, password: String) -> Data {
        var mac = cacheMAC
        mac.update(data: Data(username.utf8))
        mac.update(data: Data([0]))
        mac.update(data: Data(password.utf8))
        return Data(mac.finalize())
    }

    /// Whether this username and password were verified within the cache lifetime, against the
    /// password hash `user` has now.
    func isCached(username: String, password: String, user: User) -> Bool {
        let key = cacheEntryKey(username: username, password: password)
        guard let cached = verified.withLock({ $0[key] }) else { return false }
        return cached.passwordHash == user.passwordHash && cached.expires > SystemWallClock.nowMicroseconds()
    }

    /// The principal for an API token (`cbx_…`), with the token's scopes. A token that is
    /// malformed, unknown, expired or revoked counts as a failure against `address`.
    public func authenticate(token: String, address: String? = nil) async throws -> Principal {
        let keys = address.map { [LoginThrottlePolicy.addressKey($0)] } ?? []
        do {
            // A valid token is no guess: it goes by without the throttle (and its counter read).
            return try await verify(token: token)
        } catch let error as AuthenticationError where error.code != .disabled {
            _ = try await checkNotThrottled(keys)
            try await recordFailure(keys)
            throw error
        }
    }

    func verify(token: String) async throws -> Principal {
        guard Self.isWellFormed(token: token) else {
            throw AuthenticationError(
                .malformed,
                "malformed API token: expected '\(Self.tokenPrefix)' and \(Self.tokenSecretLength) base64url characters")
        }
        guard let record = try await store.token(secretHash: Secrets.sha256Hex(token)) else {
            throw AuthenticationError(.invalid, "unknown API token")
        }
        if record.revokedAt != nil { throw AuthenticationError(.revoked, "the API token was revoked") }
        guard record.isUsable(at: SystemWallClock.nowMicroseconds()) else {
            throw AuthenticationError(.expired, "the API token has expired")
        }
        guard let user = try await store.user(id: record.userID) else {
            throw AuthenticationError(.invalid, "unknown API token")
        }
        var principal = try await principal(for: user)
        principal.scopes = record.scopes.isEmpty ? nil : record.scopes
        return principal
    }

    /// Whether `token` has the shape of a Cybex API token: the prefix and 43 base64url characters.
    public static func isWellFormed(token: String) -> Bool {
        guard token.hasPrefix(tokenPrefix) else { return false }
        let secret = token.utf8.dropFirst(tokenPrefix.utf8.count)
        return secret.count == tokenSecretLength
            && secret.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == 0x2D || byte == 0x5F
            }
    }

    /// The counters of `keys`; throws `.throttled` when any of them is locked out now.
    func checkNotThrottled(_ keys: [String]) async throws -> [AuthFailureCounter] {
        guard !keys.isEmpty else { return [] }
        let counters = try await store.authFailureCounters(keys: keys)
        let now = SystemWallClock.nowMicroseconds()
        if let seconds = throttle.retryAfter(counters, at: now) {
            let blocked = counters.filter { ($0.blockedUntil ?? .min) > now }.map(\.key)
            throw AuthenticationError(
                .throttled, "too many failed sign-ins (\(blocked.joined(separator: ", "))); try again in \(seconds) s",
                retryAfterSeconds: seconds)
        }
        return counters
    }

    func recordFailure(_ keys: [String]) async throws {
        let policy = throttle
        for key in keys {
            try await store.updateAuthFailureCounter(key: key) { counter in
                policy.recordingFailure(counter, key: key, at: SystemWallClock.nowMicroseconds())
            }
        }
        let purge = failuresRecorded.withLock { count in
            count += 1
            return count % Self.purgeInterval == 0
        }
        if purge {
            try await store.removeAuthFailureCounters(
                quietSince: SystemWallClock.nowMicroseconds() - throttle.windowSeconds * 1_000_000)
        }
    }

    func principal(for user: User) async throws -> Principal {
        try principal(for: user, in: try await store.organisation(id: user.organisationID))
    }

    func principal(for user: User, in organisation: Organisation?) throws -> Principal {
        guard !user.disabled else { throw AuthenticationError(.disabled, "the account is disabled") }
        guard let organisation else {
            throw AuthenticationError(.invalid, "the account's organisation no longer exists")
        }
        return Principal(user: user, organisation: organisation)
    }
}
