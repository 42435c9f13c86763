import CybexCore
import CybexEngine
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `POST /api/v1/correlations` on real HTTP: the answer's shape, what only an organisation that
/// reads the collection gets, and clear errors for bad requests (nothing recorded for them).
@Suite("REST API: correlation")
struct RESTCorrelationTests {
    @Test("correlations: hits for readers, nothing for outsiders, 400 and 404 for bad subjects")
    func correlations() async throws {
        let node = try await TAXIITestNode.makeREST()
        try await node.application().test(.live) { client in
            let analyst = TAXIITestNode.rest("analyst")
            let body =
                #"{"objects":["#
                + [Fixture.indicator(1), Fixture.indicator(2, id: "indicator--" + Fixture.uuid(900))]
                .joined(separator: ",") + "]}"
            #expect(
                try await client.call(.post, "/api/v1/collections/\(node.collectionID)/objects", analyst, json: body).status
                    == .ok)

            // Both indicators compare 10.0.0.1 / 10.0.0.2: the first one's value finds it alone.
            let reader = TAXIITestNode.rest("reader")
            let found = try await client.call(.post, "/api/v1/correlations", reader, json: #"{"value":" 10.0.0.1 "}"#)
            #expect(found.status == .ok, "\(found.text)")
            #expect(found.json["truncated"] as? Bool == false)
            let observables = try #require(found.json["observables"] as? [[String: Any]])
            #expect(observables.count == 1 && observables.first?["kind"] as? String == "ipv4-addr")
            let hits = try #require(found.json["hits"] as? [[String: Any]])
            #expect(hits.count == 1)
            let hit = try #require(hits.first)
            #expect(hit["id"] as? String == "indicator--" + Fixture.uuid(1))
            #expect(hit["type"] as? String == "indicator")
            #expect(hit["collections"] as? [String] == [node.collectionID])
            #expect(hit["versions"] as? Int == 1)
            #expect((hit["first_seen"] as? String)?.hasSuffix("Z") == true)
            #expect(hit.keys.contains("tlp"))
            #expect(hit["owner"] == nil && hit["created_by_ref"] == nil)

            // An organisation that reads no collection: no hit, no count; an object it cannot see: 404.
            let stranger = TAXIITestNode.rest("stranger")
            let nothing = try await client.call(.post, "/api/v1/correlations", stranger, json: #"{"value":"10.0.0.1"}"#)
            #expect(nothing.status == .ok && (nothing.json["hits"] as? [Any])?.isEmpty == true)
            let absent = try await client.call(
                .post, "/api/v1/correlations", stranger, json: #"{"object":"indicator--\#(Fixture.uuid(1))"}"#)
            #expect(absent.status == .notFound)

            for (json, field) in [
                (#"{}"#, "value"), (#"{"value":"10.0.0.1","object":"indicator--\#(Fixture.uuid(1))"}"#, "value"),
                (#"{"value":"  "}"#, "value"), (#"{"value":"\#(String(repeating: "a", count: 2_049))"}"#, "value"),
                (#"{"object":"not-an-id"}"#, "object"), (#"{"value":"x","limit":0}"#, "limit"),
                (#"{"value":"x","limit":"5"}"#, "limit"), (#"{"value":"x","limit":1001}"#, "limit"),
            ] {
                let answer = try await client.call(.post, "/api/v1/correlations", reader, json: json)
                #expect(answer.status == .badRequest, "\(json)")
                #expect(answer.json.errorField == field, "\(json)")
            }
            #expect(
                try await client.call(.post, "/api/v1/correlations", reader, json: #"{"value":"x","other":1}"#).status
                    == .badRequest)
            #expect(
                try await client.call(.post, "/api/v1/correlations?value=10.0.0.1", reader, json: #"{"value":"x"}"#).status
                    == .badRequest)
            // The cluster around the value: both indicators share nothing else, so it is the one.
            let cluster = try await client.call(.post, "/api/v1/correlations/clusters", reader, json: #"{"value":"10.0.0.1"}"#)
            #expect(cluster.status == .ok, "\(cluster.text)")
            #expect(cluster.json["objects"] as? [String] == ["indicator--" + Fixture.uuid(1)])
            #expect((cluster.json["shared"] as? [Any])?.isEmpty == true)
            #expect(cluster.json["truncated"] as? Bool == false)
            for (json, field) in [
                (#"{"value":"x","depth":6}"#, "depth"), (#"{"value":"x","objects":0}"#, "objects"), (#"{}"#, "value"),
            ] {
                let answer = try await client.call(.post, "/api/v1/correlations/clusters", reader, json: json)
                #expect(answer.status == .badRequest && answer.json.errorField == field, "\(json)")
            }
            // Without credentials: 401, as every REST path.
            #expect(try await client.call(.post, "/api/v1/correlations", [:], json: #"{"value":"x"}"#).status == .unauthorized)
        }
    }
}
