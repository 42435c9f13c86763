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

/// Issue 13, finding 1, over real HTTP: a NUL in a Basic username or password, or in a name sent
/// over REST, is refused, never cut at; the audit chain stays intact; and refused sign-ins name the
/// account tried (finding 8b).
@Suite("Control characters in credentials and names")
struct ControlCharacterAuthTests {
    /// Basic credentials made of raw bytes, as `printf 'u1\0x:PASSWORD' | base64` makes them.
    static func basic(_ credentials: String) -> HTTPFields {
        [
            .authorization: "Basic \(Data(credentials.utf8).base64EncodedString())", .accept: "application/json",
            .contentType: "application/json",
        ]
    }

    @Test("a NUL in a Basic username or password is an invalid credential, and the audit chain stays intact")
    func nulInBasicCredentials() async throws {
        let node = try await TAXIITestNode.makeREST()
        let password = TAXIITestNode.password
        try await node.application().test(.live) { client in
            for credentials in ["analyst\u{0}x:\(password)", "analyst:\(password)\u{0}x", "analyst\u{1B}:\(password)"] {
                let answer = try await client.call(.get, "/api/v1/users", Self.basic(credentials))
                #expect(answer.status == .unauthorized, "\(credentials.debugDescription)")
                #expect(answer.json.errorCode == "invalid-credentials")
            }
            // The same answer as a wrong password, word for word.
            let wrong = try await client.call(.get, "/api/v1/users", Self.basic("analyst:wrong password"))
            let nul = try await client.call(.get, "/api/v1/users", Self.basic("analyst\u{0}x:\(password)"))
            #expect(wrong.text == nul.text)
            #expect(try await client.call(.get, "/api/v1/users", Self.basic("analyst:\(password)")).status == .ok)
        }
        let events = try await node.store.auditEvents(limit: -1)
        #expect(events.filter { $0.action == "auth.login" }.map(\.actor) == ["analyst"], "only the real sign-in")
        let failures = events.filter { $0.action == "auth.failure" }
        #expect(failures.contains { $0.detail.contains("account 'analyst\\u0000x'") && $0.detail.contains("control character") })
        #expect(
            failures.contains { $0.detail.contains("account 'analyst'") && $0.detail.contains("password contains a control") })
        #expect(failures.allSatisfy { !$0.detail.utf8.contains(0) && !$0.actor.utf8.contains(0) })
        let verification = try await node.store.verifyAuditChain()
        #expect(verification.isIntact, "\(String(describing: verification.failure))")
    }

    @Test("a REST recipient, name or identifier with a control character is a 400 naming the field")
    func nulInRESTBodies() async throws {
        let node = try await TAXIITestNode.makeREST()
        let root = TAXIITestNode.rest("root")
        try await node.application().test(.live) { client in
            let red =
                Fixture.indicator(1).dropLast()
                + #","object_marking_refs":["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]}"#
            let post = try await client.call(
                .post, "/api/v1/collections/\(node.collectionID)/objects", TAXIITestNode.rest("analyst"),
                json: #"{"objects": [\#(red)], "recipients": ["isp\u0000XYZ"]}"#)
            #expect(post.status == .badRequest)
            #expect(post.json.errorCode == "invalid-argument")
            #expect(post.json.errorField == "recipients[0]")
            #expect(try await node.store.objectCount(in: node.collectionID) == 0, "nothing stored")

            let cases: [(path: String, body: String, field: String)] = [
                ("/api/v1/organisations", #"{"name": "ISP\u0000Two"}"#, "name"),
                ("/api/v1/organisations", #"{"name": "ISP\u0085Two"}"#, "name"),
                ("/api/v1/organisations", #"{"name": "Two", "parent": "cert\u0000x"}"#, "parent"),
                ("/api/v1/sharing-groups", #"{"name": "region\u007f"}"#, "name"),
                (
                    "/api/v1/users",
                    #"{"username": "eve\u0000", "organisation": "cert", "role": "reader", "password": "long enough"}"#, "username"
                ),
                (
                    "/api/v1/users",
                    #"{"username": "eve", "organisation": "cert", "role": "reader", "password": "long\u0000enough"}"#, "password"
                ),
                ("/api/v1/collections", #"{"title": "Feed\u0000", "read": [], "write": []}"#, "title"),
                ("/api/v1/collections", #"{"title": "Feed", "read": ["cert\u0000x"], "write": []}"#, "read[0]"),
                ("/api/v1/tokens", #"{"username": "analyst\u0000x"}"#, "username"),
            ]
            for item in cases {
                let answer = try await client.call(.post, item.path, root, json: item.body)
                #expect(answer.status == .badRequest, "\(item.body)")
                #expect(answer.json.errorField == item.field, "\(item.body): \(answer.text)")
                #expect((answer.json["error"] as? [String: Any])?["message"] as? String ?? "" != "")
            }
            let search = try await client.call(.get, "/api/v1/audit?actor=root%00x", root)
            #expect(search.status == .badRequest && search.json.errorField == "actor")
        }
        #expect(try await node.store.organisations().map(\.name).sorted() == ["cert", "isp", "outsider"])
        #expect(try await node.store.users().count == 4)
    }

    @Test("a refused sign-in names the account tried, and says when it does not exist")
    func failuresNameTheAccount() async throws {
        let node = try await TAXIITestNode.make()
        try await node.application().test(.live) { client in
            for (user, password) in [("analyst", "wrong"), ("nobody", "wrong")] {
                try await client.execute(uri: "/taxii2/", method: .get, headers: TAXIITestNode.basic(user, password)) {
                    #expect($0.status == .unauthorized)
                }
            }
        }
        let failures = try await node.store.auditEvents(limit: -1).filter { $0.action == "auth.failure" }.map(\.detail)
        #expect(failures.contains { $0.contains("account 'analyst' (wrong password)") && $0.contains(" from ") })
        #expect(failures.contains { $0.contains("account 'nobody' (unknown account)") })
    }
}
