import CybexCore
import CybexEngine
import CybexFormats
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Retention and redaction policies over the REST API, on real HTTP: administrators only, bad
/// input refused with the field named and nothing stored, keys never returned, every change audited.
@Suite("REST API: policies")
struct RESTPolicyTests {
    @Test func retentionPolicies() async throws {
        let node = try await TAXIITestNode.makeREST()
        try await node.application().test(.live) { client in
            let root = TAXIITestNode.rest("root")
            let created = try await client.call(
                .post, "/api/v1/retention-policies", root,
                json: #"{"name":"old-green","types":["indicator"],"levels":["green","clear"],"expire_grace_days":30}"#)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.json["levels"] as? [String] == ["clear", "green"])
            #expect(created.json["purge_after_days"] is NSNull)
            let list = try await client.call(.get, "/api/v1/retention-policies", root)
            #expect((list.json["retention_policies"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["old-green"])
            for (body, status) in [
                (#"{"name":"x"}"#, HTTPResponse.Status.badRequest), (#"{"name":"x","levels":["purple"],"purge_after_days":3}"#, .badRequest),
                (#"{"name":"x","purge_after_days":"soon"}"#, .badRequest), (#"{"name":"old-green","purge_after_days":3}"#, .conflict),
            ] {
                #expect(try await client.call(.post, "/api/v1/retention-policies", root, json: body).status == status, "\(body)")
            }
            let denied = try await client.call(.get, "/api/v1/retention-policies", TAXIITestNode.rest("analyst"))
            #expect(denied.status == .forbidden)
            #expect(try await node.store.retentionPolicies().map(\.name) == ["old-green"])
            #expect(try await client.call(.delete, "/api/v1/retention-policies/old-green", root).status == .noContent)
            #expect(try await client.call(.delete, "/api/v1/retention-policies/old-green", root).status == .notFound)
        }
        let actions = try await node.store.auditEvents(limit: 100).map(\.action)
        #expect(actions.contains("retention.create") && actions.contains("retention.delete"))
    }

    @Test func redactionPolicies() async throws {
        let node = try await TAXIITestNode.makeREST()
        try await node.application().test(.live) { client in
            let root = TAXIITestNode.rest("root")
            let document = #"{"name":"peers","destination":"peer","rules":[{"rule":"pseudonymise-email-addresses"},{"rule":"strip-url-queries"}]}"#
            let created = try await client.call(.post, "/api/v1/redaction-policies", root, json: document)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.json["destination"] as? String == "peer")
            #expect(created.json["key"] == nil)
            let listed = try await client.call(.get, "/api/v1/redaction-policies", root)
            let policies = listed.json["redaction_policies"] as? [[String: Any]] ?? []
            #expect(policies.count == 1 && policies[0]["key"] == nil && (policies[0]["rules"] as? [Any])?.count == 2)
            for body in [
                #"{"name":"x","destination":"moon","rules":[]}"#, #"{"name":"x","destination":"peer","rules":[{"rule":"shred"}]}"#,
                #"{"name":"x","destination":"peer","rules":[],"key":"mine"}"#,
            ] {
                #expect(try await client.call(.post, "/api/v1/redaction-policies", root, json: body).status == .badRequest, "\(body)")
            }
            #expect(try await client.call(.post, "/api/v1/redaction-policies", root, json: document).status == .conflict)
            #expect(
                try await client.call(.post, "/api/v1/redaction-policies", TAXIITestNode.rest("analyst"), json: document).status
                    == .forbidden)
            #expect(try await node.store.redactionPolicies().map(\.name) == ["peers"])
            #expect(try await client.call(.delete, "/api/v1/redaction-policies/peers", root).status == .noContent)
            #expect(try await node.store.redactionPolicies().isEmpty)
        }
        let actions = try await node.store.auditEvents(limit: 100).map(\.action)
        #expect(actions.contains("redaction.create") && actions.contains("redaction.delete"))
    }

    @Test func exportAndRedactionPreview() async throws {
        let node = try await TAXIITestNode.makeREST()
        let analyst = try await node.store.user(named: "analyst")!
        let principal = Principal(user: analyst, organisation: try await node.store.organisation(id: analyst.organisationID)!)
        let red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
        let email = #"{"type":"email-addr","spec_version":"2.1","id":"email-addr--0b4d7c2a-3c7e-5f8e-9a1b-2c3d4e5f6a7b","value":"victim@hospital.example"}"#
        let secret = String(Fixture.indicator(2).dropLast()) + #","object_marking_refs":["\#(red)"]}"#
        let body = Array(#"{"objects":["#.utf8) + Array([email, Fixture.indicator(1), secret].joined(separator: ",").utf8) + Array("]}".utf8)
        let report = try await CollectionService(store: node.store).add(body, as: .envelope, to: node.collectionID, by: principal)
        #expect(report.rejected.isEmpty, "\(report.rejected)")
        try await node.application().test(.live) { client in
            let root = TAXIITestNode.rest("root")
            let policy = #"{"name":"peers","destination":"peer","rules":[{"rule":"pseudonymise-email-addresses"}]}"#
            #expect(try await client.call(.post, "/api/v1/redaction-policies", root, json: policy).status == .created)
            let base = "/api/v1/collections/\(node.collectionID)/"

            // The whole collection for the operator; for isp, the TLP:RED indicator is not there.
            let all = try await client.call(.get, base + "export", root)
            #expect((all.json["objects"] as? [[String: Any]])?.count == 3)
            let forISP = try await client.call(.get, base + "export?for=isp&redaction=peers", root)
            let sent = forISP.json["objects"] as? [[String: Any]] ?? []
            #expect(sent.count == 2 && !forISP.text.contains("victim@hospital.example") && !forISP.text.contains(red))

            // The preview shows the same objects and says what happened to each.
            let preview = try await client.call(.get, base + "redaction-preview?policy=peers&for=isp&limit=10", root)
            #expect(preview.status == .ok, "\(preview.text)")
            let previewed = (preview.json["bundle"] as? [String: Any])?["objects"] as? [[String: Any]] ?? []
            #expect(previewed.map { $0["id"] as? String } == sent.map { $0["id"] as? String })
            let outcomes = (preview.json["objects"] as? [[String: Any]] ?? []).compactMap { $0["outcome"] as? String }
            #expect(outcomes.sorted() == ["redacted", "unchanged"] && preview.json["sent"] as? Int == 2)
            #expect(try await client.call(.get, base + "redaction-preview?policy=peers&limit=1", root).json["sent"] as? Int == 1)

            for (uri, status) in [
                (base + "redaction-preview", HTTPResponse.Status.badRequest), (base + "redaction-preview?policy=nope", .badRequest),
                (base + "export?for=nobody", .badRequest), (base + "export?colour=red", .badRequest),
                ("/api/v1/collections/no-such/export", .notFound),
            ] {
                #expect(try await client.call(.get, uri, root).status == status, "\(uri)")
            }
            #expect(try await client.call(.get, base + "export", TAXIITestNode.rest("analyst")).status == .forbidden)
        }
        let exports = try await node.store.auditEvents(limit: 100).filter { $0.action == "objects.export" }
        #expect(exports.count == 2 && exports.contains { $0.detail.contains("for isp; redaction peers: 1 redacted") })
    }

    @Test func tokenScopesApplyToTheRESTAPI() async throws {
        let node = try await TAXIITestNode.makeREST()
        let admin = Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
        let taxiiOnly = try await admin.createToken(username: "root", scopes: [.taxiiRead]).secret
        let readOnly = try await admin.createToken(username: "root", scopes: [.apiRead]).secret
        try await node.application().test(.live) { client in
            let denied = try await client.call(.get, "/api/v1/organisations", TAXIITestNode.bearer(taxiiOnly))
            #expect(denied.status == .forbidden && denied.json.errorCode == "insufficient-scope")
            #expect(try await client.call(.get, "/api/v1/organisations", TAXIITestNode.bearer(readOnly)).status == .ok)
            let write = try await client.call(.post, "/api/v1/organisations", TAXIITestNode.bearer(readOnly), json: #"{"name":"x"}"#)
            #expect(write.status == .forbidden && write.json.errorCode == "insufficient-scope")
        }
        #expect(try await node.store.organisation(named: "x") == nil)
    }
}
