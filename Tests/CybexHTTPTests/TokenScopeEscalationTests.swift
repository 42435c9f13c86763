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

/// Issue 13, findings 4 and 8a/8c, over real HTTP: a token mints only tokens within its own
/// scopes; every 403 is audited as `access.denied`; a disabled account's right password is
/// answered exactly as a wrong one.
@Suite("Token scopes, refusals and disabled accounts")
struct TokenScopeEscalationTests {
    static func taxii(_ secret: String) -> HTTPFields {
        [
            .authorization: "Bearer \(secret)", .accept: "application/taxii+json;version=2.1",
            .contentType: "application/taxii+json;version=2.1",
        ]
    }

    @Test("a token with api:read api:write mints tokens with those scopes at most")
    func tokensStayWithinTheirScopes() async throws {
        let node = try await TAXIITestNode.makeREST()
        let admin = Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
        let rootAPI = try await admin.createToken(username: "root", scopes: [.apiRead, .apiWrite]).secret
        let analystAPI = try await admin.createToken(username: "analyst", scopes: [.apiRead, .apiWrite]).secret
        try await node.application().test(.live) { client in
            // The default is the calling token's own scopes, not everything.
            let minted = try await client.call(.post, "/api/v1/tokens", TAXIITestNode.bearer(rootAPI), json: "{}")
            #expect(minted.status == .created)
            #expect(minted.json["scopes"] as? [String] == ["api:read", "api:write"])
            let child = try #require(minted.json["secret"] as? String)
            #expect(try await client.call(.get, "/metrics", TAXIITestNode.bearer(child)).status == .forbidden)

            // Asking for more is refused with 403, and audited.
            let escalation = try await client.call(
                .post, "/api/v1/tokens", TAXIITestNode.bearer(rootAPI), json: #"{"scopes": ["api:read", "admin"]}"#)
            #expect(escalation.status == .forbidden)
            #expect(escalation.json.errorCode == "forbidden")
            let message = (escalation.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("admin") && message.contains("scopes of the token in use"), "\(message)")

            let analystEscalation = try await client.call(
                .post, "/api/v1/tokens", TAXIITestNode.bearer(analystAPI), json: #"{"scopes": ["taxii:write"]}"#)
            #expect(analystEscalation.status == .forbidden)
            let analystChild = try await client.call(.post, "/api/v1/tokens", TAXIITestNode.bearer(analystAPI), json: "{}")
            let analystSecret = try #require(analystChild.json["secret"] as? String)
            try await client.execute(
                uri: node.objectsPath, method: .post, headers: Self.taxii(analystSecret),
                body: Fixture.envelope([Fixture.indicator(1)])
            ) { #expect($0.status == .forbidden) }

            // A subset is fine; a password sign-in may ask for any scope its role allows.
            let narrower = try await client.call(
                .post, "/api/v1/tokens", TAXIITestNode.bearer(rootAPI), json: #"{"scopes": ["api:read"]}"#)
            #expect(narrower.status == .created && narrower.json["scopes"] as? [String] == ["api:read"])
            let byPassword = try await client.call(
                .post, "/api/v1/tokens", TAXIITestNode.rest("root"), json: #"{"scopes": ["admin", "taxii:read"]}"#)
            #expect(byPassword.status == .created && byPassword.json["scopes"] as? [String] == ["taxii:read", "admin"])
            let all = try await client.call(.post, "/api/v1/tokens", TAXIITestNode.rest("analyst"), json: "{}")
            #expect(all.status == .created && all.json["scopes"] as? [String] == [])
            let unknown = try await client.call(
                .post, "/api/v1/tokens", TAXIITestNode.rest("analyst"), json: #"{"scopes": ["root"]}"#)
            #expect(unknown.status == .badRequest && unknown.json.errorField == "scopes[0]")
        }
        let tokens = try await node.store.tokens(userID: nil)
        #expect(tokens.count == 7, "two made here, five over HTTP, nothing for the refusals")
        let denied = try await node.store.auditEvents(limit: -1).filter { $0.action == "access.denied" }
        #expect(denied.contains { $0.actor == "root" && $0.target == "/api/v1/tokens" && $0.detail.contains("admin") })
        #expect(denied.contains { $0.actor == "analyst" && $0.detail.contains("taxii:write") })
    }

    @Test("every 403 is audited with the caller, the path and the route")
    func forbiddenAnswersAreAudited() async throws {
        let node = try await TAXIITestNode.makeREST()
        let readOnly = try await Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
            .createToken(username: "analyst", scopes: [.taxiiRead]).secret
        try await node.application().test(.live) { client in
            #expect(try await client.call(.get, "/api/v1/audit", TAXIITestNode.rest("analyst")).status == .forbidden)
            #expect(
                try await client.call(.post, "/api/v1/users/x/disable", TAXIITestNode.rest("reader"), json: "{}").status
                    == .forbidden)
            try await client.execute(
                uri: node.objectsPath, method: .post, headers: Self.taxii(readOnly),
                body: Fixture.envelope([Fixture.indicator(2)])
            ) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/metrics", method: .get, headers: TAXIITestNode.basic("analyst")) {
                #expect($0.status == .forbidden)
            }
        }
        let denied = try await node.store.auditEvents(limit: -1).filter { $0.action == "access.denied" }.reversed()
        #expect(denied.map(\.actor) == ["analyst", "reader", "analyst", "analyst"])
        #expect(denied.map(\.target) == ["/api/v1/audit", "/api/v1/users/x/disable", node.objectsPath, "/metrics"])
        #expect(denied.first?.detail.hasPrefix("GET /api/v1/audit: ") == true)
        #expect(
            denied.dropFirst().first.map { $0.detail.hasPrefix("POST /api/v1/users/") && $0.detail.contains("/disable: ") }
                == true)
        #expect(Array(denied)[2].detail.contains("taxii:write"))
        #expect(try await node.store.verifyAuditChain().isIntact)
    }

    @Test("a disabled account's right password is answered exactly as a wrong one; the audit says why")
    func disabledAccountsDoNotConfirmPasswords() async throws {
        let node = try await TAXIITestNode.make()
        _ = try await Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
            .setDisabled(username: "stranger", true)
        try await node.application().test(.live) { client in
            func answer(_ headers: HTTPFields) async throws -> (HTTPResponse.Status, String, [String]) {
                try await client.execute(uri: "/taxii2/", method: .get, headers: headers) { response in
                    let names = response.headers.map { "\($0.name): \($0.value)" }.filter { !$0.lowercased().hasPrefix("date") }
                    return (response.status, String(buffer: response.body), names.sorted())
                }
            }
            let right = try await answer(TAXIITestNode.basic("stranger"))
            let wrong = try await answer(TAXIITestNode.basic("stranger", "not the password"))
            #expect(right.0 == .unauthorized)
            #expect(right.0 == wrong.0 && right.1 == wrong.1 && right.2 == wrong.2)
            #expect(right.1.contains("invalid-credentials"))
        }
        let failures = try await node.store.auditEvents(limit: -1).filter { $0.action == "auth.failure" }.map(\.detail)
        #expect(failures.contains { $0.contains("account 'stranger' (account disabled") })
        #expect(failures.contains { $0.contains("account 'stranger' (wrong password)") })
        #expect(try await node.store.authFailureCounters(keys: ["account:stranger"]).first?.failures == 2)
    }
}
