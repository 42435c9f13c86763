import CybexCore
import CybexEngine
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
}
