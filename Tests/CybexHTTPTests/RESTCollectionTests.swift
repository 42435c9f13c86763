import CybexCore
import CybexEngine
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Collections and objects over the REST API, on real HTTP: the sharing policy applies exactly as
/// on TAXII, `recipients` addresses TLP:RED objects, and bad input changes nothing.
@Suite("REST API: collections and objects")
struct RESTCollectionTests {
    static let red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    static let amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"

    static func marked(_ n: Int, _ marking: String?) -> String {
        let plain = Fixture.indicator(n)
        guard let marking else { return plain }
        return String(plain.dropLast()) + #","object_marking_refs":[""# + marking + #""]}"#
    }

    static func post(_ objects: [String], recipients: [String]? = nil) -> String {
        var body = #"{"objects":["# + objects.joined(separator: ",") + "]"
        if let recipients { body += #","recipients":["# + recipients.map { "\"\($0)\"" }.joined(separator: ",") + "]" }
        return body + "}"
    }

    @Test("collections: created by administrators, listed as CollectionService shows them, absent to outsiders")
    func collections() async throws {
        let node = try await TAXIITestNode.makeREST()
        let root = TAXIITestNode.rest("root")
        try await node.application().test(.live) { client in
            let created = try await client.call(
                .post, "/api/v1/collections", root,
                json: #"{"title":"Reports","description":"d","read":["cert","outsider"],"write":["cert"],"default_tlp":"amber"}"#)
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["read"] as? [String] == ["cert", "outsider"])
            #expect(created.json["default_tlp"] as? String == "amber")

            let before = try await node.store.collections().count
            for (body, field) in [
                (#"{"title":"x","read":["nowhere"]}"#, "read[0]"), (#"{"title":"x","write":"cert"}"#, "write"),
                (#"{"title":"x","sharing_group":"none"}"#, "sharing_group"), (#"{"title":"x","public":"yes"}"#, "public"),
            ] {
                let answer = try await client.call(.post, "/api/v1/collections", root, json: body)
                #expect(answer.status == .badRequest, "\(body)")
                #expect(answer.json.errorField == field, "\(body)")
            }
            #expect(try await client.call(.post, "/api/v1/collections", TAXIITestNode.rest("analyst"), json: #"{"title":"x"}"#).status == .forbidden)
            #expect(try await node.store.collections().count == before)

            let readerList = try await client.call(.get, "/api/v1/collections", TAXIITestNode.rest("reader"))
            let visible = try #require(readerList.json["collections"] as? [[String: Any]])
            #expect(visible.compactMap { $0["id"] as? String } == [node.collectionID])
            #expect(visible.first?["read"] == nil)  // other organisations' names are for administrators
            #expect(visible.first?["can_write"] as? Bool == false)
            #expect(try await client.call(.get, "/api/v1/collections/\(id)", TAXIITestNode.rest("reader")).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/collections/\(id)/objects", TAXIITestNode.rest("reader")).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/collections/\(id)/count", TAXIITestNode.rest("reader")).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/collections/\(id)", TAXIITestNode.rest("stranger")).status == .ok)
        }
    }

    @Test("objects: posted, paged with an opaque cursor, by id, counted; bad input stores nothing")
    func objects() async throws {
        let node = try await TAXIITestNode.makeREST(maxContentLength: 8192)
        let path = "/api/v1/collections/\(node.collectionID)"
        try await node.application().test(.live) { client in
            let analyst = TAXIITestNode.rest("analyst")
            let added = try await client.call(.post, path + "/objects", analyst, json: Self.post((1...5).map { Fixture.indicator($0) }))
            #expect(added.status == .ok)
            #expect(added.json["added"] as? Int == 5)
            #expect(added.json["distribution_marking"] is NSNull)
            let again = try await client.call(
                .post, path + "/objects", analyst, json: Self.post([Fixture.indicator(1), #"{"type":"indicator","id":"bad"}"#]))
            #expect(again.json["duplicates"] as? Int == 1)
            #expect(again.json["rejected"] as? Int == 1)
            let results = try #require(again.json["results"] as? [[String: Any]])
            #expect(results.map { $0["outcome"] as? String } == ["duplicate", "rejected"])
            #expect(results[1]["reason"] is String)

            var ids: [String] = []
            var after: String?
            repeat {
                let page = try await client.call(
                    .get, path + "/objects?type=indicator&limit=2" + (after.map { "&after=\($0)" } ?? ""), TAXIITestNode.rest("reader"))
                #expect(page.status == .ok)
                ids += (page.json["objects"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                after = page.json["more"] as? Bool == true ? page.json["next"] as? String : nil
            } while after != nil
            #expect(ids == (1...5).map { "indicator--" + Fixture.uuid($0) })
            let none = try await client.call(.get, path + "/objects?type=malware", analyst)
            #expect((none.json["objects"] as? [Any])?.isEmpty == true)

            let one = try await client.call(.get, path + "/objects/indicator--\(Fixture.uuid(3))", TAXIITestNode.rest("reader"))
            #expect(one.status == .ok)
            #expect(one.json["name"] as? String == "test 3")
            #expect(try await client.call(.get, path + "/objects/indicator--\(Fixture.uuid(99))", analyst).status == .notFound)
            #expect(try await client.call(.get, path + "/count", analyst).json["count"] as? Int == 5)

            // Without recipients, objects are stored and served exactly as posted.
            let exact = Fixture.indicator(30).replacingOccurrences(of: "test 30", with: #"caf\u00e9"#)
            #expect(try await client.call(.post, path + "/objects", analyst, json: Self.post([exact])).json["added"] as? Int == 1)
            #expect(try await client.call(.get, path + "/objects/indicator--\(Fixture.uuid(30))", analyst).text == exact)
            _ = try await node.store.deleteObject(id: "indicator--\(Fixture.uuid(30))", from: node.collectionID, versions: .all, specVersions: nil)

            for query in ["limit=0", "after=forged", "type=", "match[type]=indicator"] {
                let answer = try await client.call(.get, path + "/objects?" + query, analyst)
                #expect(answer.status == .badRequest, "\(query)")
                #expect(answer.json.errorCode != nil)
            }
            var xml = analyst
            xml[.contentType] = "application/taxii+json;version=2.1"
            let cases: [(HTTPFields, String, HTTPResponse.Status, String?)] = [
                (analyst, "{not json", .badRequest, nil),
                (analyst, #"{"objects":{}}"#, .badRequest, "objects"),
                (analyst, #"{"objects":[]}"#, .badRequest, "objects"),
                (analyst, #"{"objects":[1],"extra":true}"#, .badRequest, "extra"),
                (analyst, Self.post([Fixture.indicator(20)], recipients: ["nowhere"]), .badRequest, "recipients[0]"),
                (analyst, Self.post([Fixture.indicator(20)], recipients: []), .badRequest, "recipients"),
                (analyst, String(repeating: " ", count: 9000) + "{}", .contentTooLarge, nil),
                (xml, Self.post([Fixture.indicator(20)]), .unsupportedMediaType, nil),
                (TAXIITestNode.rest("reader"), Self.post([Fixture.indicator(20)]), .forbidden, nil),
            ]
            for (headers, body, status, field) in cases {
                let answer = try await client.call(.post, path + "/objects", headers, json: body)
                #expect(answer.status == status, "\(body.prefix(60))")
                #expect(answer.json.errorCode != nil)
                if let field { #expect(answer.json.errorField == field) }
            }
            #expect(try await client.call(.post, path + "/objects", TAXIITestNode.rest("stranger"), json: Self.post([Fixture.indicator(20)])).status == .notFound)
            #expect(try await client.call(.get, path + "/count", analyst).json["count"] as? Int == 5)
        }
    }

    @Test("recipients: a TLP:RED object reaches its owner and recipients only; others cannot learn it exists")
    func recipients() async throws {
        let node = try await TAXIITestNode.makeREST()
        let admin = Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
        let shared = try await admin.addCollection(
            title: "Shared", description: nil, readers: ["cert", "isp", "outsider"], writers: ["cert"])
        let path = "/api/v1/collections/\(shared.id)"
        let red = "indicator--" + Fixture.uuid(1)
        let amber = "indicator--" + Fixture.uuid(2)
        try await node.application().test(.live) { client in
            let posted = try await client.call(
                .post, path + "/objects", TAXIITestNode.rest("analyst"),
                json: Self.post([Self.marked(1, Self.red), Self.marked(2, Self.amber)], recipients: ["isp"]))
            #expect(posted.status == .ok)
            #expect(posted.json["added"] as? Int == 3, "\(posted.text)")
            let marking = try #require(posted.json["distribution_marking"] as? String)

            let stored = try await client.call(.get, path + "/objects/\(red)", TAXIITestNode.rest("analyst"))
            #expect(stored.json["object_marking_refs"] as? [String] == [Self.red, marking])
            let amberStored = try await client.call(.get, path + "/objects/\(amber)", TAXIITestNode.rest("analyst"))
            #expect(amberStored.json["object_marking_refs"] as? [String] == [Self.amber])

            // isp, the recipient, sees it; outsider reads the collection but is not addressed.
            #expect(try await client.call(.get, path + "/objects/\(red)", TAXIITestNode.rest("reader")).status == .ok)
            let hidden = try await client.call(.get, path + "/objects/\(red)", TAXIITestNode.rest("stranger"))
            let never = try await client.call(.get, path + "/objects/indicator--\(Fixture.uuid(77))", TAXIITestNode.rest("stranger"))
            #expect(hidden.status == .notFound)
            #expect(hidden.text.replacingOccurrences(of: red, with: "ID") == never.text.replacingOccurrences(of: "indicator--\(Fixture.uuid(77))", with: "ID"))
            let strangerIDs = try await client.call(.get, path + "/objects", TAXIITestNode.rest("stranger"))
            #expect((strangerIDs.json["objects"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [amber])
            #expect(try await client.call(.get, path + "/count", TAXIITestNode.rest("stranger")).json["count"] as? Int == 1)
            #expect(try await client.call(.get, path + "/count", TAXIITestNode.rest("reader")).json["count"] as? Int == 3)
            // The same over TAXII.
            try await client.execute(
                uri: "/taxii2/cybex/collections/\(shared.id)/objects/\(red)/", method: .get, headers: TAXIITestNode.basic("stranger")
            ) { #expect($0.status == .notFound) }

            // Recipients without any TLP:RED object: no marking is created.
            let plain = try await client.call(
                .post, path + "/objects", TAXIITestNode.rest("analyst"), json: Self.post([Self.marked(3, Self.amber)], recipients: ["isp"]))
            #expect(plain.json["distribution_marking"] is NSNull)
            #expect(plain.json["added"] as? Int == 1)
        }
    }
}
