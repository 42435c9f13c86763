import CybexCore
import CybexEngine
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Refused credentials over real HTTP: a specific TAXII error for each reason, login throttling
/// per account and per client address (429 with Retry-After, shared through the store), and
/// token scopes.
@Suite("Authentication")
struct AuthenticationTests {
    static let accept: HTTPFields = [.accept: "application/taxii+json;version=2.1"]

    static func bearer(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .accept: "application/taxii+json;version=2.1"]
    }

    /// A token stored directly, so that its state can be anything.
    static func storeToken(
        _ node: TAXIITestNode, user: String, expiresAt: Int64? = nil, revokedAt: Int64? = nil, scopes: [TokenScope] = []
    ) async throws -> String {
        let secret = Authenticator.tokenPrefix + Secrets.random(bytes: 32)
        let userID = try #require(try await node.store.user(named: user)).id
        try await node.store.createToken(
            APIToken(
                id: Secrets.uuid(), userID: userID, secretHash: Secrets.sha256Hex(secret), createdAt: 1,
                expiresAt: expiresAt, revokedAt: revokedAt, scopes: scopes))
        return secret
    }

    @Test("each refused credential gets its own title and error code, and changes nothing but the audit log")
    func refusalsAreSpecific() async throws {
        let node = try await TAXIITestNode.make(loginThrottle: LoginThrottlePolicy(accountThreshold: 100, addressThreshold: 100))
        let expired = try await Self.storeToken(node, user: "analyst", expiresAt: SystemWallClock.nowMicroseconds() - 1_000_000)
        let revoked = try await Self.storeToken(node, user: "analyst", revokedAt: 5)
        let disabled = try await Self.storeToken(node, user: "stranger")
        _ = try await Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
            .setDisabled(username: "stranger", true)
        let valid = try await Self.storeToken(node, user: "analyst")
        let auditBefore = try await node.store.auditEvents(limit: -1).count
        let cases: [(headers: HTTPFields, title: String, code: String)] = [
            (Self.bearer("xyz_" + String(valid.dropFirst(4))), "Malformed API token", "malformed-token"),
            (Self.bearer(valid + "A"), "Malformed API token", "malformed-token"),
            (Self.bearer(String(valid.dropLast()) + "!"), "Malformed API token", "malformed-token"),
            (Self.bearer(Authenticator.tokenPrefix + Secrets.random(bytes: 32)), "Unknown API token", "unknown-token"),
            (Self.bearer(expired), "Expired API token", "expired-token"),
            (Self.bearer(revoked), "Revoked API token", "revoked-token"),
            (Self.bearer(disabled), "Account disabled", "account-disabled"),
            // A disabled account's right password is answered as a wrong one (issue 13, finding 8c).
            (TAXIITestNode.basic("stranger"), "Invalid credentials", "invalid-credentials"),
            (TAXIITestNode.basic("analyst", "wrong"), "Invalid credentials", "invalid-credentials"),
            (TAXIITestNode.basic("nobody", "wrong"), "Invalid credentials", "invalid-credentials"),
            (
                [.authorization: "Basic !!!", .accept: "application/taxii+json;version=2.1"], "Malformed credentials",
                "malformed-credentials"
            ),
        ]
        try await node.application().test(.live) { client in
            var descriptions: [String: String] = [:]
            for (index, refused) in cases.enumerated() {
                try await client.execute(uri: "/taxii2/cybex/collections/", method: .get, headers: refused.headers) { response in
                    #expect(response.status == .unauthorized, "case \(index)")
                    #expect(response.json["title"] as? String == refused.title, "case \(index)")
                    #expect(response.json["error_code"] as? String == refused.code, "case \(index)")
                    #expect(response.json["http_status"] as? String == "401")
                    #expect(response.headers[values: .wwwAuthenticate].contains { $0.hasPrefix("Bearer") })
                    descriptions["\(index)"] = response.json["description"] as? String
                }
            }
            // A wrong password and an unknown user read the same.
            #expect(descriptions["8"] != nil && descriptions["8"] == descriptions["9"])
            try await client.execute(uri: "/taxii2/cybex/collections/", method: .get, headers: Self.bearer(valid)) {
                #expect($0.status == .ok)
            }
        }
        let audit = try await node.store.auditEvents(limit: -1)
        #expect(audit.count == auditBefore + cases.count)
        #expect(audit.prefix(cases.count).allSatisfy { $0.action == "auth.failure" && $0.detail.contains(" from ") })
        #expect(try await node.store.token(secretHash: Secrets.sha256Hex(expired))?.revokedAt == nil)
        #expect(try await node.store.user(named: "analyst")?.disabled == false)
    }

    @Test("repeated failures lock the account, then the address, out with 429 and Retry-After, in every process")
    func throttling() async throws {
        let policy = LoginThrottlePolicy(accountThreshold: 3, addressThreshold: 6, baseLockoutSeconds: 60)
        let node = try await TAXIITestNode.make(loginThrottle: policy)
        let path = "/taxii2/cybex/collections/"
        try await node.application().test(.live) { client in
            func status(_ headers: HTTPFields) async throws -> HTTPResponse.Status {
                try await client.execute(uri: path, method: .get, headers: headers) { $0.status }
            }
            let wrong = TAXIITestNode.basic("analyst", "wrong")
            #expect(try await status(wrong) == .unauthorized)
            #expect(try await status(wrong) == .unauthorized)
            // A success resets the account's count (not the address's: 2 so far).
            #expect(try await status(TAXIITestNode.basic("analyst")) == .ok)
            #expect(try await status(wrong) == .unauthorized)
            #expect(try await status(wrong) == .unauthorized)
            #expect(try await status(wrong) == .unauthorized)  // the account's 3rd failure: locked out
            // The password verified a moment ago still works (no lockout of people signed in) …
            #expect(try await status(TAXIITestNode.basic("analyst")) == .ok)
            // … while every guess is refused unchecked.
            try await client.execute(uri: path, method: .get, headers: TAXIITestNode.basic("analyst", "another guess")) {
                response in
                #expect(response.status == .tooManyRequests)
                let seconds = Int(response.headers[.retryAfter] ?? "") ?? 0
                #expect(seconds > 0 && seconds <= 60)
                #expect(response.json["title"] as? String == "Too many failed sign-ins")
                #expect(response.json["error_code"] as? String == "throttled")
                #expect(response.json["http_status"] as? String == "429")
            }
            // Another account from the same address: 5 failures so far, under the address's 6.
            #expect(try await status(TAXIITestNode.basic("reader")) == .ok)
            // A bad token counts against the address: its 6th failure locks it out for everyone.
            #expect(try await status(Self.bearer("cbx_short")) == .unauthorized)
            #expect(try await status(TAXIITestNode.basic("reader", "a guess")) == .tooManyRequests)
            #expect(try await status(Self.bearer("cbx_short")) == .tooManyRequests)
            // A valid token is no guess: it works from a locked-out address.
            let token = try await Self.storeToken(node, user: "reader")
            #expect(try await status(Self.bearer(token)) == .ok)
        }
        // Another server process on the same database sees the account's lockout.
        try await node.application(store: try node.secondProcessStore()).test(.router) { client in
            try await client.execute(uri: path, method: .get, headers: TAXIITestNode.basic("analyst")) {
                #expect($0.status == .tooManyRequests)
            }
            try await client.execute(uri: path, method: .get, headers: TAXIITestNode.basic("reader")) {
                #expect($0.status == .ok, "without a peer address only the account counts")
            }
        }
        // Sign-ins are audited once per password check, not on every request the cache answers.
        let logins = try await node.store.auditEvents(limit: -1).filter { $0.action == "auth.login" }
        // (the second process has its own cache, and no peer address in router tests)
        #expect(logins.map(\.actor).sorted() == ["analyst", "reader", "reader"])
        #expect(logins.allSatisfy { $0.target == "password" })
        #expect(logins.filter { $0.detail.hasPrefix("from ") }.count == 2)
        let throttled = try await node.store.auditEvents(limit: -1).filter { $0.action == "auth.throttled" }
        #expect(throttled.count == 4)  // two guesses and a bad token here; the uncached password in the other process
        #expect(throttled.allSatisfy { $0.actor == "anonymous" && $0.detail.hasPrefix("throttled: ") })
        let counters = try await node.store.authFailureCounters(keys: ["account:analyst", "address:127.0.0.1", "address:::1"])
        #expect(counters.map(\.failures) == [3, 6])
    }

    @Test("the policy: counting, doubling lockouts up to the cap, forgetting after a quiet window")
    func policyArithmetic() {
        let policy = LoginThrottlePolicy.standard
        let second: Int64 = 1_000_000
        var counter: AuthFailureCounter?
        var lockouts: [Int64] = []
        var now: Int64 = 1_000 * second
        for _ in 0..<12 {
            counter = policy.recordingFailure(counter, key: "account:ana", at: now)
            lockouts.append(counter!.blockedUntil.map { ($0 - now) / second } ?? 0)
            now = max(now + second, counter!.blockedUntil ?? 0)
        }
        #expect(lockouts == [0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600, 3600])
        #expect(policy.retryAfter([counter!], at: counter!.blockedUntil! - second / 2) == 1)
        #expect(policy.retryAfter([counter!], at: counter!.blockedUntil!) == nil)
        // Quiet for the whole window after the lockout ended: counting starts again.
        let later = policy.recordingFailure(counter, key: "account:ana", at: counter!.blockedUntil! + 15 * 60 * second)
        #expect(later.failures == 1 && later.blockedUntil == nil)
        let address = (1...20).reduce(nil as AuthFailureCounter?) { c, i in
            policy.recordingFailure(c, key: "address:192.0.2.1", at: Int64(i) * second)
        }
        #expect(address?.failures == 20 && address?.blockedUntil == 20 * second + 60 * second)
        #expect(LoginThrottlePolicy.accountKey(String(repeating: "x", count: 300)).count < 100)
    }

    @Test("token scopes: reads need taxii:read, writes taxii:write, metrics admin; never more than the role")
    func scopes() async throws {
        let node = try await TAXIITestNode.make()
        let admin = Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
        _ = try await admin.addUser(username: "root", organisation: "cert", role: .admin, password: TAXIITestNode.password)
        let readOnly = try await admin.createToken(username: "analyst", scopes: [.taxiiRead]).secret
        let writeOnly = try await admin.createToken(username: "analyst", scopes: [.taxiiWrite]).secret
        let both = try await admin.createToken(username: "analyst", scopes: [.taxiiWrite, .taxiiRead, .taxiiRead])
        #expect(both.token.scopes == [.taxiiRead, .taxiiWrite])
        let rootTAXII = try await admin.createToken(username: "root", scopes: [.taxiiRead]).secret
        let rootAdmin = try await admin.createToken(username: "root", scopes: [.admin]).secret
        let refused = await #expect(throws: EngineError.self) {
            try await admin.createToken(username: "reader", scopes: [.taxiiWrite])
        }
        #expect(refused?.code == .invalidArgument)
        #expect(try await node.store.tokens(userID: nil).count == 5)
        try await node.application().test(.router) { client in
            func get(_ path: String, _ token: String) async throws -> (HTTPResponse.Status, String?) {
                try await client.execute(uri: path, method: .get, headers: Self.bearer(token)) {
                    ($0.status, $0.json["error_code"] as? String)
                }
            }
            func post(_ token: String, _ n: Int) async throws -> HTTPResponse.Status {
                var headers = Self.bearer(token)
                headers[.contentType] = "application/taxii+json;version=2.1"
                return try await client.execute(
                    uri: node.objectsPath, method: .post, headers: headers, body: Fixture.envelope([Fixture.indicator(n)])
                ) { $0.status }
            }
            #expect(try await get(node.objectsPath, readOnly) == (.ok, nil))
            #expect(try await post(readOnly, 1) == .forbidden)
            #expect(try await get(node.objectsPath, writeOnly) == (.forbidden, "insufficient-scope"))
            #expect(try await post(writeOnly, 2) == .accepted)
            #expect(try await post(both.secret, 3) == .accepted)
            #expect(try await get("/metrics", rootTAXII) == (.forbidden, "insufficient-scope"))
            #expect(try await get("/metrics", rootAdmin).0 == .ok)
            #expect(try await get("/taxii2/", rootAdmin) == (.forbidden, "insufficient-scope"))
            try await client.execute(uri: "/taxii2/", method: .get, headers: Self.bearer(writeOnly)) { response in
                #expect(response.headers[.wwwAuthenticate]?.contains("insufficient_scope") == true)
                #expect(response.json["title"] as? String == "Insufficient scope")
            }
        }
        #expect(try await node.store.objectCount(in: node.collectionID) == 2)
    }
}

/// Which address login throttling counts against: the TCP peer, or behind trusted proxies the
/// nearest untrusted `X-Forwarded-For` hop.
@Suite("Client address")
struct ClientAddressTests {
    static let proxies: Set<String> = ["10.0.0.2", "10.0.0.9", "::1"]

    @Test(arguments: [
        // (peer, X-Forwarded-For values, expected)
        ("198.51.100.7", ["203.0.113.1"], "198.51.100.7"),  // an untrusted peer: the header is ignored
        ("10.0.0.2", [], "10.0.0.2"),  // a trusted proxy without the header
        ("10.0.0.2", ["198.51.100.7"], "198.51.100.7"),
        ("10.0.0.2", ["203.0.113.66, 198.51.100.7"], "198.51.100.7"),  // the client's own claim is not reached
        ("10.0.0.2", ["203.0.113.66", "198.51.100.7, 10.0.0.9"], "198.51.100.7"),  // two proxies, two header lines
        ("10.0.0.2", ["10.0.0.9"], "10.0.0.9"),  // all trusted: the farthest one
        ("10.0.0.2", ["203.0.113.66, not-an-address"], "10.0.0.2"),  // a broken entry stops the walk
        ("::1", ["2001:db8::5"], "2001:db8::5"),
    ])
    func resolve(peer: String, forwardedFor: [String], expected: String) {
        #expect(ClientAddress.resolve(peer: peer, forwardedFor: forwardedFor, trustedProxies: Self.proxies) == expected)
    }

    @Sendable static func headers(_ base: HTTPFields, from address: String) -> HTTPFields {
        var headers = base
        headers[HTTPField.Name("X-Forwarded-For")!] = "203.0.113.66, \(address)"
        return headers
    }

    @Test
    func noPeerNoAddress() {
        #expect(ClientAddress.resolve(peer: nil, forwardedFor: ["198.51.100.7"], trustedProxies: Self.proxies) == nil)
    }

    @Test("behind a trusted proxy each client is throttled by its own address; without one the header is ignored")
    func throttlingBehindATrustedProxy() async throws {
        let policy = LoginThrottlePolicy(accountThreshold: 100, addressThreshold: 2)
        var node = try await TAXIITestNode.make(loginThrottle: policy)
        node.configuration.trustedProxies = ["127.0.0.1", "::1"]
        try await node.application().test(.live) { client async throws in
            func status(_ base: HTTPFields, from address: String) async throws -> HTTPResponse.Status {
                let headers = Self.headers(base, from: address)
                return try await client.execute(uri: "/taxii2/", method: .get, headers: headers) { $0.status }
            }
            let bad = AuthenticationTests.bearer("cbx_short")
            #expect(try await status(bad, from: "198.51.100.7") == .unauthorized)
            #expect(try await status(bad, from: "198.51.100.7") == .unauthorized)
            #expect(try await status(TAXIITestNode.basic("analyst"), from: "198.51.100.7") == .tooManyRequests)
            #expect(try await status(TAXIITestNode.basic("analyst"), from: "198.51.100.8") == .ok)
        }
        let counters = try await node.store.authFailureCounters(keys: ["address:198.51.100.7", "address:203.0.113.66"])
        #expect(counters.map(\.key) == ["address:198.51.100.7"])
        node.configuration.trustedProxies = []
        try await node.application().test(.live) { client in
            let headers = Self.headers(TAXIITestNode.basic("analyst"), from: "198.51.100.7")
            try await client.execute(uri: "/taxii2/", method: .get, headers: headers) { #expect($0.status == .ok) }
        }
    }
}
