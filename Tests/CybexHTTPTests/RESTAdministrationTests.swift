import CybexCore
import CybexEngine
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The REST API's administration endpoints over real HTTP: organisations, users, tokens, sharing
/// groups and the audit log; who may do what, errors in one shape, and bad input changing nothing.
@Suite("REST API: administration")
struct RESTAdministrationTests {
    @Test("credentials are required, errors have one JSON shape, the OpenAPI document is open")
    func authenticationAndErrors() async throws {
        let node = try await TAXIITestNode.makeREST()
        try await node.application().test(.live) { client in
            for path in ["/api/v1/organisations", "/api/v1/users", "/api/v1/collections", "/api/v1/audit"] {
                try await client.execute(uri: path, method: .get, headers: [.accept: "application/json"]) { response in
                    #expect(response.status == .unauthorized, "\(path)")
                    #expect(response.headers[.contentType] == "application/json")
                    #expect(response.headers[values: .wwwAuthenticate].contains { $0.hasPrefix("Basic") })
                    #expect(response.headers[values: .wwwAuthenticate].contains { $0.hasPrefix("Bearer") })
                    #expect(response.json["error"] is [String: Any])
                }
            }
            let wrong = try await client.call(.get, "/api/v1/users", TAXIITestNode.rest("analyst", password: "wrong password"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.json.errorCode == "invalid-credentials")
            let unknown = try await client.call(.get, "/api/v1/no-such-thing", TAXIITestNode.rest("analyst"))
            #expect(unknown.status == .notFound)
            #expect(unknown.json.errorCode == "not-found")
            let method = try await client.call(.delete, "/api/v1/organisations", TAXIITestNode.rest("root"))
            #expect(method.status == .methodNotAllowed || method.status == .notFound)
            #expect(method.json.errorCode != nil, "\(method.text)")
            let patchUnknown = try await client.call(.patch, "/api/v1/organisations/no-such-id", TAXIITestNode.rest("root"), json: "{}")
            #expect(patchUnknown.status == .notFound && patchUnknown.json.errorCode == "not-found")
            let document = try await client.call(.get, "/api/openapi.json", [:])
            #expect(document.status == .ok)
            #expect(document.json["openapi"] as? String == "3.1.0")
        }
    }

    @Test("organisations: administrators create and change them; others see their own only")
    func organisations() async throws {
        let node = try await TAXIITestNode.makeREST()
        let root = TAXIITestNode.rest("root")
        try await node.application().test(.live) { client in
            let created = try await client.call(.post, "/api/v1/organisations", root, json: #"{"name":"hospital","parent":"cert","default_tlp":"TLP:AMBER"}"#)
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? String)
            let cert = try #require(try await node.store.organisation(named: "cert"))
            #expect(created.json["parent"] as? String == cert.id)
            #expect(created.json["default_tlp"] as? String == "amber")

            let before = try await node.store.organisations()
            for (body, field) in [
                (#"{"name":"x","default_tlp":"purple"}"#, "default_tlp"), (#"{"name":"x","parent":"nowhere"}"#, "parent"),
                (#"{"name":"x","colour":"red"}"#, "colour"), (#"{"name":42}"#, "name"), (#"{}"#, "name"),
            ] {
                let answer = try await client.call(.post, "/api/v1/organisations", root, json: body)
                #expect(answer.status == .badRequest, "\(body)")
                #expect(answer.json.errorField == field, "\(body)")
            }
            #expect(try await client.call(.post, "/api/v1/organisations", root, json: "{not json").status == .badRequest)
            #expect(try await client.call(.post, "/api/v1/organisations", root, json: #"{"name":"hospital"}"#).status == .conflict)
            var xml = root
            xml[.contentType] = "application/xml"
            #expect(try await client.call(.post, "/api/v1/organisations", xml, json: #"{"name":"y"}"#).status == .unsupportedMediaType)
            let denied = try await client.call(.post, "/api/v1/organisations", TAXIITestNode.rest("analyst"), json: #"{"name":"z"}"#)
            #expect(denied.status == .forbidden)
            #expect(denied.json.errorCode == "forbidden")
            #expect(try await node.store.organisations() == before)

            // A parent that would close a cycle is a conflict, and nothing changes.
            let cycle = try await client.call(.patch, "/api/v1/organisations/\(cert.id)", root, json: #"{"parent":"hospital","default_tlp":"red"}"#)
            #expect(cycle.status == .conflict)
            #expect(try await node.store.organisation(named: "cert") == cert)
            let patched = try await client.call(.patch, "/api/v1/organisations/\(id)", root, json: #"{"parent":null,"default_tlp":null}"#)
            #expect(patched.status == .ok)
            #expect(patched.json["parent"] is NSNull)
            #expect(patched.json["default_tlp"] is NSNull)
            #expect(try await client.call(.patch, "/api/v1/organisations/\(id)", TAXIITestNode.rest("analyst"), json: "{}").status == .forbidden)

            let own = try await client.call(.get, "/api/v1/organisations", TAXIITestNode.rest("reader"))
            #expect((own.json["organisations"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["isp"])
            #expect(try await client.call(.get, "/api/v1/organisations/\(id)", TAXIITestNode.rest("reader")).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/organisations/\(id)", root).status == .ok)
            let all = try await client.call(.get, "/api/v1/organisations", root)
            #expect((all.json["organisations"] as? [Any])?.count == 4)
        }
        let audit = try await node.store.auditEvents(limit: 50)
        #expect(audit.contains { $0.action == "organisation.create" && $0.actor == "root" && $0.detail.hasPrefix("hospital") })
        #expect(audit.contains { $0.action == "organisation.set-default-tlp" && $0.actor == "root" })
    }

    @Test("users: created by administrators, never with a password hash, disabled and enabled")
    func users() async throws {
        let node = try await TAXIITestNode.makeREST()
        let root = TAXIITestNode.rest("root")
        try await node.application().test(.live) { client in
            let created = try await client.call(
                .post, "/api/v1/users", root, json: #"{"username":"nina","organisation":"isp","role":"analyst","password":"long enough pw"}"#)
            #expect(created.status == .created)
            #expect(!created.text.contains("$2"))  // no bcrypt hash anywhere
            #expect(created.json["password"] == nil && created.json["password_hash"] == nil)
            let nina = try #require(created.json["id"] as? String)

            let count = try await node.store.userCount()
            for (body, field) in [
                (#"{"username":"x","organisation":"isp","role":"king","password":"long enough pw"}"#, "role"),
                (#"{"username":"x","organisation":"isp","role":"reader","password":"short"}"#, "password"),
                (#"{"username":"x","organisation":"nowhere","role":"reader","password":"long enough pw"}"#, "organisation"),
            ] {
                let answer = try await client.call(.post, "/api/v1/users", root, json: body)
                #expect(answer.status == .badRequest)
                #expect(answer.json.errorField == field)
            }
            #expect(
                try await client.call(.post, "/api/v1/users", root, json: #"{"username":"nina","organisation":"isp","role":"reader","password":"long enough pw"}"#)
                    .status == .conflict)
            #expect(
                try await client.call(.post, "/api/v1/users", TAXIITestNode.rest("analyst"), json: #"{"username":"y","organisation":"isp","role":"reader","password":"long enough pw"}"#)
                    .status == .forbidden)
            #expect(try await node.store.userCount() == count)

            let listed = try await client.call(.get, "/api/v1/users", TAXIITestNode.rest("reader"))
            #expect((listed.json["users"] as? [[String: Any]])?.compactMap { $0["username"] as? String } == ["reader"])
            #expect(try await client.call(.get, "/api/v1/users/\(nina)", TAXIITestNode.rest("reader")).status == .notFound)
            let all = try await client.call(.get, "/api/v1/users", root)
            #expect(!all.text.contains("$2"))

            #expect(try await client.call(.post, "/api/v1/users/\(nina)/disable", TAXIITestNode.rest("analyst")).status == .forbidden)
            let disabled = try await client.call(.post, "/api/v1/users/\(nina)/disable", root)
            #expect(disabled.json["disabled"] as? Bool == true)
            #expect(try await client.call(.get, "/api/v1/users", TAXIITestNode.rest("nina", password: "long enough pw")).status == .unauthorized)
            _ = try await client.call(.post, "/api/v1/users/\(nina)/enable", root)
            #expect(try await client.call(.get, "/api/v1/users", TAXIITestNode.rest("nina", password: "long enough pw")).status == .ok)
            #expect(try await client.call(.post, "/api/v1/users/no-such-id/disable", root).status == .notFound)
        }
        let actions = try await node.store.auditEvents(limit: 50).filter { $0.actor == "root" }.map(\.action)
        #expect(actions.contains("user.create") && actions.contains("user.disable") && actions.contains("user.enable"))
    }

    @Test("tokens: the secret once, own tokens only, revocation takes effect at once")
    func tokens() async throws {
        let node = try await TAXIITestNode.makeREST()
        try await node.application().test(.live) { client in
            let analyst = TAXIITestNode.rest("analyst")
            let created = try await client.call(.post, "/api/v1/tokens", analyst, json: #"{"expires_at":"2099-01-01T00:00:00Z"}"#)
            #expect(created.status == .created)
            let secret = try #require(created.json["secret"] as? String)
            let id = try #require(created.json["id"] as? String)
            #expect(secret.hasPrefix("cbx_"))
            let me = try await client.call(.get, "/api/v1/users", TAXIITestNode.bearer(secret))
            #expect(me.status == .ok)

            #expect(try await client.call(.post, "/api/v1/tokens", analyst, json: #"{"username":"reader"}"#).status == .forbidden)
            let past = try await client.call(.post, "/api/v1/tokens", analyst, json: #"{"expires_at":"2001-01-01T00:00:00Z"}"#)
            #expect(past.status == .badRequest && past.json.errorField == "expires_at")
            #expect(try await client.call(.post, "/api/v1/tokens", analyst, json: #"{"expires_at":"tomorrow"}"#).status == .badRequest)
            let forReader = try await client.call(.post, "/api/v1/tokens", TAXIITestNode.rest("root"), json: #"{"username":"reader"}"#)
            #expect(forReader.status == .created)

            let listed = try await client.call(.get, "/api/v1/tokens", analyst)
            let tokens = try #require(listed.json["tokens"] as? [[String: Any]])
            #expect(tokens.map { $0["id"] as? String } == [id])
            #expect(!listed.text.contains(secret))
            #expect(tokens.allSatisfy { $0["secret"] == nil })
            let everyone = try await client.call(.get, "/api/v1/tokens", TAXIITestNode.rest("root"))
            #expect((everyone.json["tokens"] as? [Any])?.count == 2)

            // Another user's token is absent to a non-administrator.
            #expect(try await client.call(.delete, "/api/v1/tokens/\(id)", TAXIITestNode.rest("reader")).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/users", TAXIITestNode.bearer(secret)).status == .ok)
            #expect(try await client.call(.delete, "/api/v1/tokens/\(id)", analyst).status == .noContent)
            #expect(try await client.call(.get, "/api/v1/users", TAXIITestNode.bearer(secret)).status == .unauthorized)
            #expect(try await client.call(.delete, "/api/v1/tokens/\(id)", analyst).status == .notFound)
        }
        let actions = try await node.store.auditEvents(limit: 50).map(\.action)
        #expect(actions.filter { $0 == "token.create" }.count == 2)
        #expect(actions.contains("token.revoke"))
    }

    @Test("sharing groups: administrators manage members; others see the groups they are in")
    func sharingGroups() async throws {
        let node = try await TAXIITestNode.makeREST()
        let root = TAXIITestNode.rest("root")
        try await node.application().test(.live) { client in
            let created = try await client.call(.post, "/api/v1/sharing-groups", root, json: #"{"name":"region"}"#)
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? String)
            #expect(try await client.call(.post, "/api/v1/sharing-groups", root, json: #"{"name":"region"}"#).status == .conflict)
            #expect(try await client.call(.post, "/api/v1/sharing-groups", root, json: #"{"name":""}"#).status == .badRequest)
            #expect(try await client.call(.post, "/api/v1/sharing-groups", TAXIITestNode.rest("analyst"), json: #"{"name":"mine"}"#).status == .forbidden)

            let added = try await client.call(.put, "/api/v1/sharing-groups/\(id)/members/isp", root)
            #expect(added.status == .ok)
            #expect((added.json["members"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["isp"])
            #expect(try await client.call(.put, "/api/v1/sharing-groups/\(id)/members/isp", root).status == .conflict)
            #expect(try await client.call(.put, "/api/v1/sharing-groups/\(id)/members/nowhere", root).status == .notFound)
            #expect(try await client.call(.put, "/api/v1/sharing-groups/no-such-group/members/isp", root).status == .notFound)
            #expect(try await client.call(.put, "/api/v1/sharing-groups/\(id)/members/cert", TAXIITestNode.rest("analyst")).status == .forbidden)

            let ispView = try await client.call(.get, "/api/v1/sharing-groups", TAXIITestNode.rest("reader"))
            #expect((ispView.json["sharing_groups"] as? [Any])?.count == 1)
            let certView = try await client.call(.get, "/api/v1/sharing-groups", TAXIITestNode.rest("analyst"))
            #expect((certView.json["sharing_groups"] as? [Any])?.count == 0)

            #expect(try await client.call(.delete, "/api/v1/sharing-groups/\(id)/members/isp", root).status == .ok)
            #expect(try await client.call(.delete, "/api/v1/sharing-groups/\(id)/members/isp", root).status == .notFound)
        }
        let actions = try await node.store.auditEvents(limit: 50).filter { $0.actor == "root" }.map(\.action)
        #expect(actions.contains("sharing-group.create") && actions.contains("sharing-group.add-member") && actions.contains("sharing-group.remove-member"))
    }

    @Test("audit log: administrators list it and verify its chain")
    func audit() async throws {
        let node = try await TAXIITestNode.makeREST()
        try await node.application().test(.live) { client in
            #expect(try await client.call(.get, "/api/v1/audit", TAXIITestNode.rest("analyst")).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/audit/verify", TAXIITestNode.rest("reader")).status == .forbidden)
            let listed = try await client.call(.get, "/api/v1/audit?limit=3", TAXIITestNode.rest("root"))
            #expect(listed.status == .ok)
            let events = try #require(listed.json["events"] as? [[String: Any]])
            #expect(events.count == 3)
            #expect(events.first?["action"] as? String != nil)
            let bad = try await client.call(.get, "/api/v1/audit?limit=none", TAXIITestNode.rest("root"))
            #expect(bad.status == .badRequest && bad.json.errorField == "limit")
            let badSince = try await client.call(.get, "/api/v1/audit?since=x", TAXIITestNode.rest("root"))
            #expect(badSince.status == .badRequest && badSince.json.errorField == "since")
            #expect(try await client.call(.get, "/api/v1/audit?before=0", TAXIITestNode.rest("root")).json.errorField == "before")

            // Searching: an action family, an actor, a time range; paging back with `next`/`before`.
            func search(_ uri: String) async throws -> (events: [[String: Any]], next: Int?) {
                let response = try await client.call(.get, uri, TAXIITestNode.rest("root"))
                #expect(response.status == .ok, "\(uri): \(response.text)")
                return (response.json["events"] as? [[String: Any]] ?? [], response.json["next"] as? Int)
            }
            let all = try await search("/api/v1/audit?limit=10000").events
            let users = try await search("/api/v1/audit?action=user.*&limit=10000").events
            #expect(!users.isEmpty && users.allSatisfy { ($0["action"] as? String)?.hasPrefix("user.") == true })
            #expect(users.count == all.count { ($0["action"] as? String)?.hasPrefix("user.") == true })
            #expect(try await search("/api/v1/audit?actor=nobody").events.isEmpty)
            #expect(try await search("/api/v1/audit?since=2999-01-01T00:00:00Z").events.isEmpty)
            #expect(try await search("/api/v1/audit?until=2000-01-01T00:00:00Z").events.isEmpty)
            var paged: [Int] = []
            var uri = "/api/v1/audit?limit=2"
            while true {
                let page = try await search(uri)
                paged += page.events.compactMap { $0["seq"] as? Int }
                guard let next = page.next else { break }
                #expect(next == paged.last)
                uri = "/api/v1/audit?limit=2&before=\(next)"
            }
            #expect(paged == all.compactMap { $0["seq"] as? Int } && paged == paged.sorted(by: >))
            let verified = try await client.call(.get, "/api/v1/audit/verify", TAXIITestNode.rest("root"))
            #expect(verified.json["intact"] as? Bool == true)
            #expect((verified.json["entries"] as? Int ?? 0) > 5)
            #expect(verified.json["failure"] is NSNull)
        }
    }
}
