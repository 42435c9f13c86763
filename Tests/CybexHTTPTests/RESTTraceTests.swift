import CybexCore
import CybexEngine
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Constituencies, enrichment sources and traces over real HTTP: who reads and changes a
/// constituency (404 for the caller who may not read it, 403 for one who may read but not change),
/// JSON and CSV bodies, clear errors that change nothing, and a trace that names a constituent only
/// to those who may read its records.
@Suite("REST API: constituency and trace")
struct RESTTraceTests {
    static func csv(_ user: String) -> HTTPFields {
        var headers = TAXIITestNode.rest(user)
        headers[.contentType] = "text/csv; charset=utf-8"
        return headers
    }

    @Test("constituency: read by the organisation and its coordinator, changed by its analysts and administrators")
    func constituency() async throws {
        let node = try await TAXIITestNode.makeREST()
        let isp = try #require(try await node.store.organisation(named: "isp"))
        let cert = try #require(try await node.store.organisation(named: "cert"))
        try await node.store.setOrganisationParent(id: isp.id, parentID: cert.id)
        let admin = Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
        _ = try await admin.addUser(username: "ispanalyst", organisation: "isp", role: .analyst, password: TAXIITestNode.password)
        let path = "/api/v1/organisations/\(isp.id)/constituency"
        try await node.application().test(.live) { client in
            let empty = try await client.call(.get, path, TAXIITestNode.rest("reader"))
            #expect(empty.status == .ok, "\(empty.text)")
            #expect((empty.json["entries"] as? [Any])?.isEmpty == true)
            #expect(empty.json["may_write"] as? Bool == false)

            let body =
                #"{"entries":[{"value":"198.51.100.9/24","note":"customers"},{"type":"asn","value":"AS64500"},{"value":"Shop.ISP.example."}]}"#
            let set = try await client.call(.put, path, TAXIITestNode.rest("ispanalyst"), json: body)
            #expect(set.status == .ok, "\(set.text)")
            #expect(set.json["added"] as? Int == 3 && set.json["removed"] as? Int == 0)
            let entries = try #require(set.json["entries"] as? [[String: Any]])
            #expect(entries.map { $0["value"] as? String } == ["198.51.100.0/24", "64500", "shop.isp.example"])
            #expect(entries.map { $0["type"] as? String } == ["network", "asn", "domain"])
            #expect(entries.first?["note"] as? String == "customers")
            #expect(set.json["may_write"] as? Bool == true)
            let event = try #require(try await node.store.auditEvents(limit: 1).first)
            #expect(event.action == "organisation.set-constituency" && event.target == isp.id && event.actor == "ispanalyst")

            // A CSV file adds to it (the administrator).
            let csv = "type,value\nnetwork,2001:db8::/32\n"
            let added = try await client.call(.post, path, Self.csv("root"), json: csv)
            #expect(added.status == .ok, "\(added.text)")
            #expect(added.json["added"] as? Int == 1 && (added.json["entries"] as? [Any])?.count == 4)

            // The coordinator reads it but does not change it; a reader of the organisation neither
            // changes it; an outsider is told nothing, not even that it exists.
            #expect(try await client.call(.get, path, TAXIITestNode.rest("analyst")).status == .ok)
            #expect(try await client.call(.post, path, TAXIITestNode.rest("analyst"), json: body).status == .forbidden)
            #expect(try await client.call(.put, path, TAXIITestNode.rest("reader"), json: body).status == .forbidden)
            let hidden = try await client.call(.get, path, TAXIITestNode.rest("stranger"))
            let missing = try await client.call(
                .get, "/api/v1/organisations/no-such-org/constituency", TAXIITestNode.rest("stranger"))
            #expect(hidden.status == .notFound && missing.status == .notFound)
            #expect(try await client.call(.put, path, TAXIITestNode.rest("stranger"), json: body).status == .notFound)

            // Bad bodies: 400 naming the field or line; nothing changes.
            for (json, field) in [
                (#"{"entries":[{"value":"isp.example"},{"type":"network","value":"isp.example"}]}"#, "entries[1].value"),
                (#"{"entries":[{"type":"planet","value":"x"}]}"#, "entries[0].type"),
                (#"{"entries":[{"value":"x","colour":"red"}]}"#, "entries[0].colour"),
                (#"{"entries":[{"note":"no value"}]}"#, "entries[0].value"),
                (#"{"entries":"198.51.100.0/24"}"#, "entries"), (#"{}"#, "entries"),
            ] {
                let answer = try await client.call(.put, path, TAXIITestNode.rest("root"), json: json)
                #expect(answer.status == .badRequest && answer.json.errorField == field, "\(json): \(answer.text)")
            }
            let badCSV = try await client.call(.put, path, Self.csv("root"), json: "value\nisp.example\n\"open\n")
            #expect(badCSV.status == .badRequest && badCSV.text.contains("line 3"), "\(badCSV.text)")
            var plain = TAXIITestNode.rest("root")
            plain[.contentType] = "text/plain"
            #expect(try await client.call(.put, path, plain, json: "isp.example").status == .unsupportedMediaType)
            let after = try await client.call(.get, path, TAXIITestNode.rest("root"))
            #expect((after.json["entries"] as? [Any])?.count == 4)
        }
    }

    @Test("traces: enrichment for any reader, the constituent for its coordinator only; the value never in the URL")
    func traces() async throws {
        let node = try await TAXIITestNode.makeREST()
        let isp = try #require(try await node.store.organisation(named: "isp"))
        let cert = try #require(try await node.store.organisation(named: "cert"))
        try await node.store.setOrganisationParent(id: isp.id, parentID: cert.id)
        let admin = Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
        _ = try await admin.setProfile(
            organisation: "isp", OrganisationProfile(contacts: [OrganisationContact(kind: .abuse, email: "abuse@isp.example")]))
        let engine = Engine(store: node.store, hasher: TAXIITestNode.hasher)
        _ = try await engine.constituencies.update(
            organisation: "isp", with: [ConstituencyEntry(kind: .network, value: "10.0.0.0/8")], replacing: true, actor: "test")
        _ = try await engine.enrichment.load(
            format: .ip2asn, files: [("t.tsv", Array("10.0.0.0\t10.255.255.255\t64500\tFR\tTEST-AS\n".utf8))], source: nil,
            actor: "test")
        try await node.application().test(.live) { client in
            let analyst = TAXIITestNode.rest("analyst")
            let post = #"{"objects":[\#(Fixture.indicator(1))]}"#
            #expect(
                try await client.call(.post, "/api/v1/collections/\(node.collectionID)/objects", analyst, json: post).status
                    == .ok)

            let sources = try await client.call(.get, "/api/v1/enrichment", TAXIITestNode.rest("stranger"))
            #expect(sources.status == .ok)
            #expect((sources.json["sources"] as? [[String: Any]])?.first?["ranges"] as? Int == 1)

            let traced = try await client.call(.post, "/api/v1/traces", analyst, json: #"{"value":"10.0.0.1"}"#)
            #expect(traced.status == .ok, "\(traced.text)")
            #expect((traced.json["hits"] as? [[String: Any]])?.map { $0["id"] as? String } == ["indicator--" + Fixture.uuid(1)])
            let network = try #require((traced.json["network"] as? [[String: Any]])?.first)
            #expect(
                network["asn"] as? Int == 64500 && network["country"] as? String == "FR"
                    && network["range"] as? String == "10.0.0.0/8")
            let constituent = try #require((traced.json["constituents"] as? [[String: Any]])?.first)
            #expect((constituent["organisation"] as? [String: Any])?["name"] as? String == "isp")
            #expect((constituent["contact"] as? [String: Any])?["email"] as? String == "abuse@isp.example")
            #expect(traced.json["first_seen"] is String)

            // An outsider reads no collection and may not read isp's records: enrichment only.
            let outside = try await client.call(
                .post, "/api/v1/traces", TAXIITestNode.rest("stranger"), json: #"{"value":"10.0.0.1"}"#)
            #expect(outside.status == .ok)
            #expect((outside.json["hits"] as? [Any])?.isEmpty == true)
            #expect((outside.json["constituents"] as? [Any])?.isEmpty == true)
            #expect(outside.json["first_seen"] is NSNull)
            #expect((outside.json["network"] as? [Any])?.count == 1)

            for (json, field) in [
                (#"{}"#, "value"), (#"{"value":" "}"#, "value"), (#"{"value":"x","limit":0}"#, "limit"),
                (#"{"value":"x","object":"y"}"#, "object"),
            ] {
                let answer = try await client.call(.post, "/api/v1/traces", analyst, json: json)
                #expect(answer.status == .badRequest && answer.json.errorField == field, "\(json): \(answer.text)")
            }
            #expect(
                try await client.call(.post, "/api/v1/traces?value=10.0.0.1", analyst, json: #"{"value":"x"}"#).status
                    == .badRequest)
            let get = try await client.call(.get, "/api/v1/traces", analyst).status
            #expect(get == .methodNotAllowed || get == .notFound)
        }
    }
}
