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

/// Inventories, exposure, remediation duties and OpenVEX over real HTTP: the three body forms of an
/// inventory, who reads and who changes (404 for what the caller may not read, 403 for what it may read
/// but not change), strict bodies and parameters, and a duty changed over PATCH.
@Suite("REST API: inventories, exposure and remediation")
struct RESTRemediationTests {
    /// `cert` (analyst; root: admin) is the coordinator of `isp` (reader; ispanalyst: analyst); `outsider`
    /// (stranger) is apart. The collection is written by `cert` and read by `cert` and `isp`.
    static func node() async throws -> (TAXIITestNode, [String: String]) {
        let node = try await TAXIITestNode.makeREST()
        let admin = Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
        _ = try await admin.updateOrganisation(name: "isp", parent: .some("cert"), defaultTLP: nil)
        _ = try await admin.addUser(username: "ispanalyst", organisation: "isp", role: .analyst, password: TAXIITestNode.password)
        var ids: [String: String] = [:]
        for organisation in try await node.store.organisations() { ids[organisation.name] = organisation.id }
        return (node, ids)
    }

    static let record = """
        {"dataType": "CVE_RECORD", "dataVersion": "5.1",
         "cveMetadata": {"cveId": "CVE-2026-50001", "state": "PUBLISHED", "assignerOrgId": "0b8f1d3e-2c4a-4e5b-9a7d-1f2e3c4d5b6a",
                         "datePublished": "2026-03-01T00:00:00Z"},
         "containers": {"cna": {"providerMetadata": {"orgId": "0b8f1d3e-2c4a-4e5b-9a7d-1f2e3c4d5b6a"},
           "descriptions": [{"lang": "en", "value": "A flaw."}], "references": [{"url": "https://example.org/a"}],
           "affected": [
             {"vendor": "Example Widgets", "product": "Widget Server", "defaultStatus": "unaffected",
              "versions": [{"version": "2.0.0", "lessThan": "2.5.2", "status": "affected", "versionType": "semver"}]},
             {"collectionURL": "https://registry.npmjs.org", "packageName": "left-pad",
              "versions": [{"version": "0", "lessThan": "1.3.0", "status": "affected", "versionType": "semver"}]}],
           "metrics": [{"cvssV3_1": {"version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                                     "baseScore": 9.8, "baseSeverity": "CRITICAL"}}]}}}
        """

    static func headers(_ user: String, contentType: String) -> HTTPFields {
        var fields = TAXIITestNode.rest(user)
        fields[.contentType] = contentType
        return fields
    }

    @Test("inventories in three forms, exposure, duties and OpenVEX, each under the organisation record rule")
    func inventoriesExposureAndDuties() async throws {
        let (node, ids) = try await Self.node()
        let isp = ids["isp"]!
        let vulnerability = JSONWriter.string(try CVERecord.vulnerability(from: try JSONReader.parse(Array(Self.record.utf8))))
        try await node.application().test(.live) { client in
            let posted = try await client.call(
                .post, "/api/v1/collections/\(node.collectionID)/objects", TAXIITestNode.rest("analyst"),
                json: #"{"objects": [\#(vulnerability)]}"#)
            #expect(posted.status == .ok, "\(posted.text)")

            // JSON items: the organisation's analyst writes; its reader, its coordinator and strangers may not.
            let items =
                #"{"items": [{"vendor": "Example Widgets", "product": "Widget Server", "version": "2.4.1", "note": "mail"}]}"#
            for (user, status) in [
                ("reader", HTTPResponse.Status.forbidden), ("analyst", .forbidden), ("stranger", .notFound),
            ] {
                let answer = try await client.call(
                    .put, "/api/v1/organisations/\(isp)/inventory", TAXIITestNode.rest(user), json: items)
                #expect(answer.status == status, "\(user): \(answer.text)")
            }
            let written = try await client.call(
                .put, "/api/v1/organisations/\(isp)/inventory", TAXIITestNode.rest("ispanalyst"), json: items)
            #expect(written.status == .ok, "\(written.text)")
            #expect(written.json["added"] as? Int == 1 && written.json["may_write"] as? Bool == true)
            // CSV and CycloneDX add to it.
            let csv = try await client.execute(
                uri: "/api/v1/organisations/\(isp)/inventory", method: .post,
                headers: Self.headers("ispanalyst", contentType: "text/csv"),
                body: ByteBuffer(string: "purl\npkg:npm/left-pad@1.1.0\n"))
            #expect(csv.status == .ok)
            let sbom =
                #"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": "core", "purl": "pkg:npm/%40angular/core@17.0.0"}, {"name": "x"}]}"#
            let cyclone = try await client.execute(
                uri: "/api/v1/organisations/\(isp)/inventory", method: .post,
                headers: Self.headers("ispanalyst", contentType: "application/vnd.cyclonedx+json"), body: ByteBuffer(string: sbom)
            )
            #expect(cyclone.status == .ok)
            let stored = try await client.call(.get, "/api/v1/organisations/\(isp)/inventory", TAXIITestNode.rest("analyst"))
            #expect((stored.json["items"] as? [[String: Any]])?.count == 3 && stored.json["may_write"] as? Bool == false)
            #expect(
                try await client.call(.get, "/api/v1/organisations/\(isp)/inventory", TAXIITestNode.rest("stranger")).status
                    == .notFound)
            // A bad item is a 400 naming it; nothing changes.
            let bad = try await client.call(
                .post, "/api/v1/organisations/\(isp)/inventory", TAXIITestNode.rest("ispanalyst"),
                json: #"{"items": [{"purl": "pkg:npm/ok@1"}, {"cpe": "cpe:2.3:a:*:x:*:*:*:*:*:*:*:*"}]}"#)
            #expect(bad.status == .badRequest && bad.json.errorField == "items[1]")
            let unknown = try await client.call(
                .post, "/api/v1/organisations/\(isp)/inventory", TAXIITestNode.rest("ispanalyst"),
                json: #"{"items": [{"colour": "red"}]}"#)
            #expect(unknown.status == .badRequest && unknown.json.errorField == "items[0].colour")
            #expect(
                (try await client.call(.get, "/api/v1/organisations/\(isp)/inventory", TAXIITestNode.rest("ispanalyst")).json[
                    "items"] as? [Any])?.count == 3)

            // Exposure: both affected products of the record.
            let exposure = try await client.call(.get, "/api/v1/organisations/\(isp)/exposure", TAXIITestNode.rest("ispanalyst"))
            let findings = try #require(exposure.json["findings"] as? [[String: Any]])
            #expect(findings.count == 1 && findings[0]["status"] as? String == "affected")
            #expect((findings[0]["products"] as? [Any])?.count == 2)
            #expect(
                try await client.call(.get, "/api/v1/organisations/\(isp)/exposure", TAXIITestNode.rest("stranger")).status
                    == .notFound)

            // OpenVEX from the coordinator settles left-pad.
            let vex = """
                {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://cert.example/vex/1", "author": "CERT",
                 "timestamp": "2026-11-01T00:00:00Z", "version": 1,
                 "statements": [{"vulnerability": {"name": "CVE-2026-50001"}, "products": [{"@id": "pkg:npm/left-pad@1.1.0"}],
                                 "status": "not_affected", "justification": "component_not_present"}]}
                """
            #expect(
                try await client.call(
                    .post, "/api/v1/collections/\(node.collectionID)/openvex", TAXIITestNode.rest("reader"), json: vex
                ).status == .forbidden)
            let invalid = try await client.call(
                .post, "/api/v1/collections/\(node.collectionID)/openvex", TAXIITestNode.rest("analyst"),
                json: vex.replacingOccurrences(of: #""justification": "component_not_present""#, with: #""status_notes": "x""#))
            #expect(invalid.status == .badRequest && invalid.text.contains("statements[0]"))
            let imported = try await client.call(
                .post, "/api/v1/collections/\(node.collectionID)/openvex", TAXIITestNode.rest("analyst"), json: vex)
            #expect(imported.status == .ok, "\(imported.text)")
            let refined = try await client.call(.get, "/api/v1/organisations/\(isp)/exposure", TAXIITestNode.rest("ispanalyst"))
            let products = try #require(((refined.json["findings"] as? [[String: Any]])?.first)?["products"] as? [[String: Any]])
            #expect(Set(products.map { $0["status"] as? String }) == ["affected", "not-affected"])
        }

        // The duty, made as the exposure job makes it.
        let engine = Engine(store: node.store, hasher: TAXIITestNode.hasher)
        #expect(try await engine.exposure().refresh(actor: "test").created == 1)
        try await node.application().test(.live) { client in
            let listed = try await client.call(.get, "/api/v1/remediations?role=end-user", TAXIITestNode.rest("ispanalyst"))
            let duties = try #require(listed.json["remediations"] as? [[String: Any]])
            #expect(
                duties.count == 1 && duties[0]["status"] as? String == "affected"
                    && duties[0]["severity"] as? String == "critical")
            let id = try #require(duties[0]["id"] as? String)
            #expect(
                (try await client.call(.get, "/api/v1/remediations", TAXIITestNode.rest("stranger")).json["remediations"]
                    as? [Any])?.isEmpty == true)
            #expect(
                (try await client.call(.get, "/api/v1/remediations?overdue=true", TAXIITestNode.rest("ispanalyst")).json[
                    "remediations"] as? [Any])?.isEmpty == true)
            #expect(
                try await client.call(.get, "/api/v1/remediations?overdue=maybe", TAXIITestNode.rest("ispanalyst")).status
                    == .badRequest)
            #expect(
                try await client.call(.get, "/api/v1/remediations?role=cirt", TAXIITestNode.rest("ispanalyst")).status
                    == .badRequest)
            #expect(try await client.call(.get, "/api/v1/remediations/\(id)", TAXIITestNode.rest("stranger")).status == .notFound)
            let read = try await client.call(.get, "/api/v1/remediations/\(id)", TAXIITestNode.rest("analyst"))
            #expect(read.status == .ok && read.json["may_write"] as? Bool == false)
            #expect(
                try await client.call(
                    .patch, "/api/v1/remediations/\(id)", TAXIITestNode.rest("analyst"), json: #"{"status": "patched"}"#
                ).status == .forbidden)
            #expect(
                try await client.call(
                    .patch, "/api/v1/remediations/\(id)", TAXIITestNode.rest("stranger"), json: #"{"status": "patched"}"#
                ).status == .notFound)
            let wrong = try await client.call(
                .patch, "/api/v1/remediations/\(id)", TAXIITestNode.rest("ispanalyst"), json: #"{"status": "done"}"#)
            #expect(wrong.status == .badRequest && wrong.json.errorField == "status")
            let stale = try await client.call(
                .patch, "/api/v1/remediations/\(id)", TAXIITestNode.rest("ispanalyst"),
                json: #"{"status": "patched", "revision": 7}"#)
            #expect(stale.status == .conflict)
            let patched = try await client.call(
                .patch, "/api/v1/remediations/\(id)", TAXIITestNode.rest("ispanalyst"),
                json: #"{"status": "mitigated", "note": "filtered at the edge", "due": "2027-01-31", "revision": 1}"#)
            #expect(patched.status == .ok, "\(patched.text)")
            #expect(
                patched.json["status"] as? String == "mitigated"
                    && (patched.json["due"] as? String)?.hasPrefix("2027-01-31T00:00:00") == true)
            #expect((patched.json["history"] as? [[String: Any]])?.last?["detail"] as? String == "filtered at the edge")
        }
        #expect(try await node.store.auditEvents(limit: 20).contains { $0.action == "remediation.update" })
    }
}
