import CybexCore
import CybexEngine
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The case workflow over REST on real HTTP (docs/INCIDENTS.md), with the server's clock injected:
/// create, classify, assign, change states, comment (no new STIX version), link objects, breach
/// an SLA, close, reopen; statistics follow; another organisation sees the case only as the
/// sharing policy allows.
@Suite("REST API: incident cases")
struct RESTCaseTests {
    @Test func theCaseWorkflowOverREST() async throws {
        var configured = try await TAXIITestNode.makeREST()
        let start: Int64 = 1_780_000_000_000_000
        let clock = SettableWallClock(start)
        configured.configuration.clock = clock
        configured.configuration.nodeName = "cert.example.org"
        let node = configured
        let analyst = TAXIITestNode.rest("analyst")
        let reader = TAXIITestNode.rest("reader")
        let stranger = TAXIITestNode.rest("stranger")
        @Sendable func versions(_ id: String) async throws -> Int {
            try await node.store.objects(in: node.collectionID, matching: ObjectQuery(ids: [id], versions: .all)).records.count
        }
        try await node.application().test(.live) { client in
            let vocabulary = try await client.call(.get, "/api/v1/classifications", reader)
            let classes = try #require(vocabulary.json["classifications"] as? [[String: Any]])
            #expect(classes.count == IncidentClass.allCases.count)
            #expect(classes.first { $0["id"] as? String == "phishing" }?["rsit_tag"] as? String == #"rsit:fraud="phishing""#)

            let created = try await client.call(
                .post, "/api/v1/cases", analyst,
                json:
                    #"{"collection":"\#(node.collectionID)","title":"DDoS on the tax portal","severity":"critical","tlp":"green"}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            let incident = try #require(created.json["incident"] as? String)
            #expect(created.json["status"] as? String == "new" && created.json["full"] as? Bool == true)
            #expect((created.json["reference"] as? String)?.hasPrefix("CYBEX-") == true)
            #expect(try await versions(incident) == 1)

            clock.advance(by: .seconds(600))
            let classified = try await client.call(
                .patch, "/api/v1/cases/\(id)", analyst,
                json: #"{"classification":"ddos","status":"triaged","assignee":"analyst"}"#)
            #expect(classified.status == .ok, "\(classified.text)")
            #expect(classified.json["rsit"] as? String == #"rsit:availability="ddos""#)
            #expect(classified.json["assignee"] as? String == "analyst")
            #expect(try await versions(incident) == 2)

            let commented = try await client.call(
                .post, "/api/v1/cases/\(id)/comments", analyst, json: #"{"text":"Upstream filtering asked"}"#)
            #expect(commented.status == .ok)
            #expect(try await versions(incident) == 2, "a comment never makes a new version")
            #expect(
                try await client.call(.post, "/api/v1/cases/\(id)/tasks", analyst, json: #"{"title":"Call the ISP"}"#).status
                    == .ok)
            let done = try await client.call(.post, "/api/v1/cases/\(id)/tasks/1/done", analyst)
            #expect((done.json["tasks"] as? [[String: Any]])?.first?["done"] as? Bool == true)

            let indicator = Fixture.indicator(7)
            _ = try await client.call(
                .post, "/api/v1/collections/\(node.collectionID)/objects", analyst, json: #"{"objects":[\#(indicator)]}"#)
            let linked = try await client.call(
                .post, "/api/v1/cases/\(id)/links", analyst, json: #"{"objects":["indicator--\#(Fixture.uuid(7))"]}"#)
            #expect(linked.status == .ok && (linked.json["links"] as? [String])?.count == 1)
            #expect(
                try await client.call(.post, "/api/v1/cases/\(id)/links", analyst, json: #"{"objects":["not-an-id"]}"#).status
                    == .badRequest)

            let refused = try await client.call(.patch, "/api/v1/cases/\(id)", analyst, json: #"{"status":"reopened"}"#)
            #expect(refused.status == .conflict && refused.json.errorCode == "conflict")
            #expect(
                try await client.call(.patch, "/api/v1/cases/\(id)", analyst, json: #"{"status":"sideways"}"#).json.errorField
                    == "status")

            // The resolution SLA of a critical case is a day: a day and an hour later it is breached.
            clock.advance(by: .seconds(25 * 3600))
            let engine = Engine(store: node.store, hasher: TAXIITestNode.hasher)
            #expect(try await engine.cases(issuer: "cert.example.org", clock: clock).checkSLAs() == 1)
            let breached = try await client.call(.get, "/api/v1/cases/\(id)", analyst)
            #expect((breached.json["sla"] as? [String: Any])?["resolve_breached"] is String)

            for status in ["in-progress", "resolved", "closed"] {
                clock.advance(by: .seconds(60))
                #expect(
                    try await client.call(.patch, "/api/v1/cases/\(id)", analyst, json: #"{"status":"\#(status)"}"#).status == .ok
                )
            }
            let reopened = try await client.call(.patch, "/api/v1/cases/\(id)", analyst, json: #"{"status":"reopened"}"#)
            #expect(reopened.json["status"] as? String == "reopened" && reopened.json["closed"] is NSNull)
            let timeline = try await client.call(.get, "/api/v1/cases/\(id)/timeline", analyst)
            let kinds = (timeline.json["events"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(kinds.contains("comment") && kinds.contains("sla-breach") && kinds.contains("linked"))

            let statistics = try await client.call(.get, "/api/v1/cases/statistics", analyst)
            #expect(statistics.json["total"] as? Int == 1)
            #expect((statistics.json["by_classification"] as? [String: Any])?["ddos"] as? Int == 1)
            #expect((statistics.json["sla_breaches"] as? [String: Any])?["resolution"] as? Int == 1)
            #expect((statistics.json["time_to_triage"] as? [String: Any])?["mean_seconds"] as? Double == 600)
            let csv = try await client.execute(uri: "/api/v1/cases/statistics?format=csv", method: .get, headers: analyst) {
                response in
                (response.headers[.contentType], String(buffer: response.body))
            }
            #expect(csv.0?.hasPrefix("text/csv") == true && csv.1.contains("classification,ddos,1\n"))
            #expect(try await client.call(.get, "/api/v1/cases/statistics?from=yesterday", analyst).json.errorField == "from")

            // The reader's organisation may read the collection: it sees the shareable part only.
            let seen = try await client.call(.get, "/api/v1/cases/\(id)", reader)
            #expect(
                seen.status == .ok && seen.json["full"] as? Bool == false && seen.json["assignee"] == nil
                    && seen.json["tasks"] == nil)
            #expect(try await client.call(.get, "/api/v1/cases/\(id)/timeline", reader).status == .forbidden)
            #expect(
                try await client.call(.patch, "/api/v1/cases/\(id)", reader, json: #"{"status":"closed"}"#).status == .forbidden)
            let readerStatistics = try await client.call(.get, "/api/v1/cases/statistics", reader)
            #expect(readerStatistics.json["total"] as? Int == 1)
            #expect((readerStatistics.json["sla_breaches"] as? [String: Any])?["resolution"] as? Int == 0)
            // An organisation that may not read the collection does not learn the case exists.
            #expect(try await client.call(.get, "/api/v1/cases/\(id)", stranger).status == .notFound)
            #expect((try await client.call(.get, "/api/v1/cases", stranger).json["cases"] as? [Any])?.isEmpty == true)
            #expect(try await client.call(.get, "/api/v1/cases/statistics", stranger).json["total"] as? Int == 0)
            #expect(
                try await client.call(
                    .post, "/api/v1/cases", stranger, json: #"{"collection":"\#(node.collectionID)","title":"x"}"#
                ).status == .notFound)
        }
    }
}
