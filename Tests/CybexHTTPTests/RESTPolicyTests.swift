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
                (#"{"name":"x"}"#, HTTPResponse.Status.badRequest),
                (#"{"name":"x","levels":["purple"],"purge_after_days":3}"#, .badRequest),
                (#"{"name":"x","purge_after_days":"soon"}"#, .badRequest),
                (#"{"name":"old-green","purge_after_days":3}"#, .conflict),
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
            let document =
                #"{"name":"peers","destination":"peer","rules":[{"rule":"pseudonymise-email-addresses"},{"rule":"strip-url-queries"}]}"#
            let created = try await client.call(.post, "/api/v1/redaction-policies", root, json: document)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.json["destination"] as? String == "peer")
            #expect(created.json["key"] == nil)
            let listed = try await client.call(.get, "/api/v1/redaction-policies", root)
            let policies = listed.json["redaction_policies"] as? [[String: Any]] ?? []
            #expect(policies.count == 1 && policies[0]["key"] == nil && (policies[0]["rules"] as? [Any])?.count == 2)
            for body in [
                #"{"name":"x","destination":"moon","rules":[]}"#,
                #"{"name":"x","destination":"peer","rules":[{"rule":"shred"}]}"#,
                #"{"name":"x","destination":"peer","rules":[],"key":"mine"}"#,
            ] {
                #expect(
                    try await client.call(.post, "/api/v1/redaction-policies", root, json: body).status == .badRequest, "\(body)")
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
        let email =
            #"{"type":"email-addr","spec_version":"2.1","id":"email-addr--0b4d7c2a-3c7e-5f8e-9a1b-2c3d4e5f6a7b","value":"victim@hospital.example"}"#
        let secret = String(Fixture.indicator(2).dropLast()) + #","object_marking_refs":["\#(red)"]}"#
        let body =
            Array(#"{"objects":["#.utf8) + Array([email, Fixture.indicator(1), secret].joined(separator: ",").utf8)
            + Array("]}".utf8)
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
                (base + "redaction-preview", HTTPResponse.Status.badRequest),
                (base + "redaction-preview?policy=nope", .badRequest),
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

    /// `POST /retention/run` and `POST /erasures`, the REST forms of `cybex retention run` and
    /// `cybex erase`: a dry run lists and removes nothing, the run removes exactly that, bad input
    /// changes nothing, only administrators may, and the erased identifier is in no audit entry.
    @Test func retentionRunAndErasure() async throws {
        let node = try await TAXIITestNode.makeREST()
        let analyst = try await node.store.user(named: "analyst")!
        let principal = Principal(user: analyst, organisation: try await node.store.organisation(id: analyst.organisationID)!)
        let victim = "victim@hospital.example"
        let email =
            #"{"type":"email-addr","spec_version":"2.1","id":"email-addr--0b4d7c2a-3c7e-5f8e-9a1b-2c3d4e5f6a7b","value":"\#(victim)"}"#
        let expired = String(Fixture.indicator(1).dropLast()) + #","valid_until":"2026-01-02T00:00:00Z"}"#
        let naming = Fixture.indicator(3).replacingOccurrences(
            of: "ipv4-addr:value = '10.0.0.3'", with: "email-addr:value = '\(victim)'")
        let body =
            Array(#"{"objects":["#.utf8) + Array([email, expired, Fixture.indicator(2), naming].joined(separator: ",").utf8)
            + Array("]}".utf8)
        let report = try await CollectionService(store: node.store).add(body, as: .envelope, to: node.collectionID, by: principal)
        #expect(report.rejected.isEmpty, "\(report.rejected)")
        @Sendable func stored() async throws -> Set<String> {
            Set(
                try await node.store.objects(in: node.collectionID, matching: ObjectQuery(versions: .all, limit: 100)).records
                    .map(\.id))
        }
        let all = try await stored()
        #expect(all.count == 4)
        try await node.application().test(.live) { client in
            let root = TAXIITestNode.rest("root")
            let policy = #"{"name":"expired-indicators","types":["indicator"],"expire_grace_days":0}"#
            #expect(try await client.call(.post, "/api/v1/retention-policies", root, json: policy).status == .created)

            let dry = try await client.call(.post, "/api/v1/retention/run", root, json: #"{"dry_run":true}"#)
            #expect(dry.status == .ok, "\(dry.text)")
            #expect(dry.json["dry_run"] as? Bool == true && dry.json["removed"] as? Int == 1)
            let outcome = (dry.json["outcomes"] as? [[String: Any]])?.first ?? [:]
            #expect(outcome["policy"] as? String == "expired-indicators" && outcome["collection"] as? String == node.collectionID)
            let listed = (outcome["versions"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(listed == ["indicator--" + Fixture.uuid(1)])
            #expect(try await stored() == all)

            for (json, field) in [(#"{"dry_run":"yes"}"#, "dry_run"), (#"{"now":true}"#, "now")] {
                let refused = try await client.call(.post, "/api/v1/retention/run", root, json: json)
                #expect(refused.status == .badRequest && refused.json.errorField == field, "\(json)")
            }
            #expect(try await client.call(.post, "/api/v1/retention/run?dry_run=true", root).status == .badRequest)
            // A dry run sent as something other than JSON is refused, never run as a real one.
            var plain = root
            plain[.contentType] = "text/plain"
            #expect(
                try await client.call(.post, "/api/v1/retention/run", plain, json: #"{"dry_run":true}"#).status
                    == .unsupportedMediaType)
            #expect(try await client.call(.post, "/api/v1/retention/run", TAXIITestNode.rest("analyst")).status == .forbidden)
            #expect(try await stored() == all)

            // No body: the real run, as `cybex retention run`; counts only.
            let run = try await client.call(.post, "/api/v1/retention/run", root)
            #expect(run.status == .ok && run.json["dry_run"] as? Bool == false && run.json["removed"] as? Int == 1, "\(run.text)")
            #expect((run.json["outcomes"] as? [[String: Any]])?.first?["versions"] == nil)
            #expect(try await stored() == all.subtracting(["indicator--" + Fixture.uuid(1)]))
            let again = try await client.call(.post, "/api/v1/retention/run", root, json: "{}")
            #expect(again.json["removed"] as? Int == 0 && (again.json["outcomes"] as? [Any])?.isEmpty == true)

            // Erasure: the e-mail address and the indicator whose pattern names it, every version.
            let tied: Set<String> = ["email-addr--0b4d7c2a-3c7e-5f8e-9a1b-2c3d4e5f6a7b", "indicator--" + Fixture.uuid(3)]
            let preview = try await client.call(
                .post, "/api/v1/erasures", root, json: #"{"identifier":"VICTIM@hospital.example","dry_run":true}"#)
            #expect(preview.status == .ok, "\(preview.text)")
            let versions = preview.json["versions"] as? [[String: Any]] ?? []
            #expect(Set(versions.compactMap { $0["id"] as? String }) == tied && preview.json["collections"] as? Int == 1)
            #expect(versions.allSatisfy { $0["collection"] as? String == node.collectionID })
            #expect(versions.contains { $0["version"] is NSNull } && versions.contains { $0["version"] is String })
            for (json, field) in [
                (#"{"identifier":"ab"}"#, "identifier"), (#"{}"#, "identifier"), (#"{"identifier":"x@y.z","why":1}"#, "why"),
            ] {
                let refused = try await client.call(.post, "/api/v1/erasures", root, json: json)
                #expect(refused.status == .badRequest && refused.json.errorField == field, "\(json)")
            }
            #expect(try await client.call(.post, "/api/v1/erasures", root).status == .badRequest)
            #expect(
                try await client.call(
                    .post, "/api/v1/erasures", TAXIITestNode.rest("analyst"), json: #"{"identifier":"\#(victim)"}"#
                ).status
                    == .forbidden)
            #expect(try await stored().isSuperset(of: tied))
            let erased = try await client.call(.post, "/api/v1/erasures", root, json: #"{"identifier":"\#(victim)"}"#)
            #expect(erased.status == .ok && erased.json["removed"] as? Int == 2 && erased.json["dry_run"] as? Bool == false)
            #expect(try await stored() == ["indicator--" + Fixture.uuid(2)])
        }
        let events = try await node.store.auditEvents(limit: 100)
        #expect(events.filter { $0.action == "retention.apply" }.count == 1)
        #expect(events.filter { $0.action == "data.erase" }.map(\.target) == ["sha256:" + Secrets.sha256Hex(victim)])
        #expect(
            events.filter { $0.action == "data.erase.dry-run" }.map(\.detail) == [
                "2 object versions would be removed from 1 collections"
            ])
        #expect(!events.contains { "\($0.target) \($0.detail)".lowercased().contains(victim) })
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
            let write = try await client.call(
                .post, "/api/v1/organisations", TAXIITestNode.bearer(readOnly), json: #"{"name":"x"}"#)
            #expect(write.status == .forbidden && write.json.errorCode == "insufficient-scope")
        }
        #expect(try await node.store.organisation(named: "x") == nil)
    }
}
