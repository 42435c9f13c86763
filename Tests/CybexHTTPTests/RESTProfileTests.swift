import CybexCore
import CybexEngine
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Organisation profiles over real HTTP (`GET`/`PUT /api/v1/organisations/{id}/profile`): who reads
/// and who writes (404 for an organisation the caller may not read, 403 for one it may read but not
/// change), strict bodies (unknown fields, bad values, control characters and oversized values are a
/// 400 naming the field, and change nothing), and the audit entry without the contact details.
@Suite("REST API: organisation profiles")
struct RESTProfileTests {
    /// `cert` (root: admin; analyst) is the coordinator of `isp` (reader; ispanalyst: analyst;
    /// ispcontributor: contributor); `outsider` (stranger: analyst) is apart.
    static func node() async throws -> (TAXIITestNode, [String: String]) {
        let node = try await TAXIITestNode.makeREST()
        let admin = Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
        _ = try await admin.updateOrganisation(name: "isp", parent: .some("cert"), defaultTLP: nil)
        _ = try await admin.addUser(username: "ispanalyst", organisation: "isp", role: .analyst, password: TAXIITestNode.password)
        _ = try await admin.addUser(
            username: "ispcontributor", organisation: "isp", role: .contributor, password: TAXIITestNode.password)
        var ids: [String: String] = [:]
        for organisation in try await node.store.organisations() { ids[organisation.name] = organisation.id }
        return (node, ids)
    }

    static let body = #"""
        {"sectors": ["telecommunications", "energy"], "country": "FR", "roles": ["service-provider"],
         "contacts": [{"kind": "abuse", "email": "abuse@isp.example", "phone": "+33 1 23 45 67 89"},
                      {"kind": "security", "url": "https://isp.example/.well-known/security.txt"}]}
        """#

    @Test("administrators and the organisation's analysts write; its users and coordinators read; others get 404")
    func whoReadsAndWrites() async throws {
        let (node, ids) = try await Self.node()
        let isp = ids["isp"]!
        try await node.application().test(.live) { client in
            let empty = try await client.call(.get, "/api/v1/organisations/\(isp)/profile", TAXIITestNode.rest("reader"))
            #expect(empty.status == .ok)
            #expect(empty.json["sectors"] as? [String] == [] && empty.json["country"] is NSNull)
            #expect(empty.json["organisation"] as? String == isp && empty.json["name"] as? String == "isp")

            let written = try await client.call(
                .put, "/api/v1/organisations/\(isp)/profile", TAXIITestNode.rest("ispanalyst"), json: Self.body)
            #expect(written.status == .ok, "\(written.text)")
            // Stored in vocabulary order.
            #expect(written.json["sectors"] as? [String] == ["energy", "telecommunications"])
            #expect(written.json["roles"] as? [String] == ["service-provider"])
            let contacts = try #require(written.json["contacts"] as? [[String: Any]])
            #expect(contacts.map { $0["kind"] as? String } == ["abuse", "security"])
            #expect(contacts.first?["email"] as? String == "abuse@isp.example" && contacts.last?["email"] is NSNull)

            for reader in ["root", "reader", "ispanalyst", "ispcontributor", "analyst"] {
                let read = try await client.call(.get, "/api/v1/organisations/\(isp)/profile", TAXIITestNode.rest(reader))
                #expect(read.status == .ok, "\(reader)")
                #expect(read.json["country"] as? String == "FR", "\(reader)")
            }
            // Someone outside the organisation and above it: as if it did not exist.
            let hidden = try await client.call(.get, "/api/v1/organisations/\(isp)/profile", TAXIITestNode.rest("stranger"))
            let absent = try await client.call(.get, "/api/v1/organisations/no-such-id/profile", TAXIITestNode.rest("stranger"))
            #expect(hidden.status == .notFound && absent.status == .notFound)
            #expect(hidden.json.errorCode == "not-found")
            #expect(!hidden.text.contains("isp.example"))
            // Constituents do not read their coordinator's profile.
            #expect(
                try await client.call(.get, "/api/v1/organisations/\(ids["cert"]!)/profile", TAXIITestNode.rest("reader")).status
                    == .notFound)

            // Writes: readers, contributors and coordinators may read but not write (403); strangers get 404.
            for (user, status) in [
                ("reader", HTTPResponse.Status.forbidden), ("ispcontributor", .forbidden), ("analyst", .forbidden),
                ("stranger", .notFound),
            ] {
                let answer = try await client.call(
                    .put, "/api/v1/organisations/\(isp)/profile", TAXIITestNode.rest(user), json: #"{"country":"DE"}"#)
                #expect(answer.status == status, "\(user): \(answer.text)")
            }
            // Access is decided before the body is read: a bad body from a stranger is still 404.
            #expect(
                try await client.call(
                    .put, "/api/v1/organisations/\(isp)/profile", TAXIITestNode.rest("stranger"), json: "{not json"
                ).status == .notFound)
            #expect(
                try await client.call(.put, "/api/v1/organisations/no-such-id/profile", TAXIITestNode.rest("root"), json: "{}")
                    .status == .notFound)
            // An analyst of the coordinator writes its own organisation's profile, not its constituent's.
            #expect(
                try await client.call(
                    .put, "/api/v1/organisations/\(ids["cert"]!)/profile", TAXIITestNode.rest("analyst"),
                    json: #"{"roles":["cirt"]}"#
                ).status == .ok)
            let stored = try await node.store.organisationProfile(id: isp)
            #expect(stored?.country == "FR")

            // Administrators write any profile; a field left out is cleared.
            let replaced = try await client.call(
                .put, "/api/v1/organisations/\(isp)/profile", TAXIITestNode.rest("root"), json: #"{"country":"DE"}"#)
            #expect(replaced.status == .ok)
            #expect(try await node.store.organisationProfile(id: isp) == OrganisationProfile(country: "DE"))
        }
        let audit = try await node.store.auditEvents(limit: -1)
        let changes = audit.filter { $0.action == "organisation.set-profile" }
        #expect(changes.map(\.actor).sorted() == ["analyst", "ispanalyst", "root"])
        #expect(changes.allSatisfy { !$0.detail.contains("isp.example") && !$0.detail.contains("+33") })
        let first = try #require(changes.first { $0.actor == "ispanalyst" })
        #expect(first.target == isp)
        #expect(first.detail.contains("country - → FR") && first.detail.contains("contact abuse: added (email, phone)"))
        let denied = audit.filter { $0.action == "access.denied" }
        #expect(Set(denied.map(\.actor)) == ["reader", "ispcontributor", "analyst"])
    }

    @Test("bodies are strict: a 400 names the field, and nothing changes")
    func strictBodies() async throws {
        let (node, ids) = try await Self.node()
        let isp = ids["isp"]!
        let path = "/api/v1/organisations/\(isp)/profile"
        let long = String(repeating: "a", count: 3000)
        try await node.application().test(.live) { client in
            #expect(try await client.call(.put, path, TAXIITestNode.rest("root"), json: Self.body).status == .ok)
            let before = try await node.store.organisationProfile(id: isp)
            let cases: [(String, String)] = [
                (#"{"colour": "red"}"#, "colour"),
                (#"{"sectors": ["telecoms"]}"#, "sectors[0]"),
                (#"{"sectors": ["energy", "infrastructure-dams"]}"#, "sectors[1]"),
                (#"{"sectors": "energy"}"#, "sectors"),
                (#"{"country": "fr"}"#, "country"),
                (#"{"country": "FRA"}"#, "country"),
                (#"{"country": "F\u0000"}"#, "country"),
                (#"{"country": 33}"#, "country"),
                (#"{"roles": ["king"]}"#, "roles[0]"),
                (#"{"contacts": {"kind": "abuse"}}"#, "contacts"),
                (#"{"contacts": ["abuse@isp.example"]}"#, "contacts[0]"),
                (#"{"contacts": [{"kind": "abuse"}]}"#, "contacts[0]"),
                (#"{"contacts": [{"email": "a@isp.example"}]}"#, "contacts[0].kind"),
                (#"{"contacts": [{"kind": "billing", "email": "a@isp.example"}]}"#, "contacts[0].kind"),
                (#"{"contacts": [{"kind": "abuse", "fax": "+331234"}]}"#, "contacts[0].fax"),
                (#"{"contacts": [{"kind": "abuse", "email": "not an address"}]}"#, "contacts[0].email"),
                (#"{"contacts": [{"kind": "abuse", "email": "abuse@isp.example\u0000@evil.example"}]}"#, "contacts[0].email"),
                (#"{"contacts": [{"kind": "abuse", "email": "abuse@isp.example\r\nBcc: x@evil.example"}]}"#, "contacts[0].email"),
                (#"{"contacts": [{"kind": "abuse", "email": "\#(long)@isp.example"}]}"#, "contacts[0].email"),
                (#"{"contacts": [{"kind": "abuse", "email": "a@\#(long).example"}]}"#, "contacts[0].email"),
                (#"{"contacts": [{"kind": "abuse", "phone": "0123456789"}]}"#, "contacts[0].phone"),
                (#"{"contacts": [{"kind": "abuse", "phone": "+33 1; DROP TABLE organisations"}]}"#, "contacts[0].phone"),
                (#"{"contacts": [{"kind": "abuse", "phone": "+\#(String(repeating: "1", count: 40))"}]}"#, "contacts[0].phone"),
                (#"{"contacts": [{"kind": "abuse", "url": "javascript:alert(1)"}]}"#, "contacts[0].url"),
                (#"{"contacts": [{"kind": "abuse", "url": "https://isp.example/\u0085"}]}"#, "contacts[0].url"),
                (#"{"contacts": [{"kind": "abuse", "url": "https://user:pw@isp.example/"}]}"#, "contacts[0].url"),
                (#"{"contacts": [{"kind": "abuse", "url": "https://isp.example/\#(long)"}]}"#, "contacts[0].url"),
                (#"{"contacts": [{"kind": "abuse", "url": 7}]}"#, "contacts[0].url"),
                (
                    #"{"contacts": [{"kind": "abuse", "email": "a@isp.example"}, {"kind": "abuse", "phone": "+331234"}]}"#,
                    "contacts[1].kind"
                ),
            ]
            for (body, field) in cases {
                let answer = try await client.call(.put, path, TAXIITestNode.rest("root"), json: body)
                #expect(answer.status == .badRequest, "\(body.prefix(120)): \(answer.text.prefix(300))")
                #expect(answer.json.errorField == field, "\(body.prefix(120)): \(answer.text.prefix(300))")
                #expect(answer.json.errorCode == "invalid-argument", "\(body.prefix(120))")
            }
            #expect(try await client.call(.put, path, TAXIITestNode.rest("root"), json: "{not json").status == .badRequest)
            #expect(try await client.call(.put, path, TAXIITestNode.rest("root"), json: #"{"a":1,"a":2}"#).status == .badRequest)
            var xml = TAXIITestNode.rest("root")
            xml[.contentType] = "application/xml"
            #expect(try await client.call(.put, path, xml, json: #"{"country":"DE"}"#).status == .unsupportedMediaType)
            #expect(try await client.call(.get, "\(path)?x=1", TAXIITestNode.rest("root")).status == .badRequest)
            #expect(try await node.store.organisationProfile(id: isp) == before)

            // Bounds are inclusive: the longest values pass, international addresses too.
            let longest = #"""
                {"contacts": [{"kind": "general", "email": "\#(String(repeating: "a", count: 64))@\#(String(repeating: "b", count: 63)).example",
                 "phone": "+1 (555) 123-4567", "url": "https://isp.example/\#(String(repeating: "x", count: 2028))"},
                 {"kind": "abuse", "email": "jürgen@städtische-werke.example"}]}
                """#
            let answer = try await client.call(.put, path, TAXIITestNode.rest("root"), json: longest)
            #expect(answer.status == .ok, "\(answer.text.prefix(300))")
            #expect(try await node.store.organisationProfile(id: isp)?.contact(.general)?.url?.count == 2048)
        }
        let changes = try await node.store.auditEvents(limit: -1).filter { $0.action == "organisation.set-profile" }
        #expect(changes.count == 2)
    }

    @Test("the OpenAPI document describes both operations")
    func openAPI() async throws {
        let (node, _) = try await Self.node()
        try await node.application().test(.live) { client in
            let document = try await client.call(.get, "/api/openapi.json", [:])
            let paths = try #require(document.json["paths"] as? [String: Any])
            let profile = try #require(paths["/organisations/{id}/profile"] as? [String: Any])
            #expect(Set(profile.keys).isSuperset(of: ["get", "put"]))
        }
    }
}
