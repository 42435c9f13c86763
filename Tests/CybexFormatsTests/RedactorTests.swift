import CybexCore
import Foundation
import Testing

@testable import CybexFormats

@Suite struct RedactorTests {
    static let key = Array("0123456789abcdef-test-key".utf8)
    static let otherKey = Array("another-key-of-32-bytes-length!!".utf8)
    static let sdo = #""spec_version":"2.1","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z""#

    /// An SCO with its deterministic id.
    static func sco(_ json: String) throws -> String {
        let object = try JSONReader.parse(Array(json.utf8))
        let id = try #require(DeterministicID.identifier(for: object))
        return String(json.dropLast()) + #","id":"\#(id)","spec_version":"2.1"}"#
    }

    static func id(of json: String) throws -> String {
        try #require(try JSONReader.parse(Array(json.utf8))["id"]?.stringValue)
    }

    func redactor(_ rules: [RedactionRule], key: [UInt8] = RedactorTests.key) throws -> Redactor {
        try Redactor(policy: RedactionPolicy(name: "test", destination: .peer, rules: rules), key: key)
    }

    func redact(_ json: String, _ redactor: Redactor, ids: Set<String> = []) throws -> JSONValue {
        try expectValid(redactor.redact(try bytes(json), renamedIDs: ids))
    }

    static func indicator(_ pattern: String) -> String {
        #"""
        {"type":"indicator",\#(sdo),"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","pattern":"\#(pattern)",
        "pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}
        """#
    }

    // MARK: e-mail addresses

    @Test func emailAddressesArePseudonymisedStablyAndReferencesFollow() throws {
        let email = try Self.sco(#"{"type":"email-addr","value":"Alice@victim.example","display_name":"Alice A."}"#)
        let message = try Self.sco(
            #"{"type":"email-message","is_multipart":false,"from_ref":"\#(try Self.id(of: email))","subject":"hi"}"#)
        let r = try redactor([.pseudonymiseEmailAddresses])
        let a = try redact(email, r)
        let value = try #require(a["value"]?.stringValue)
        #expect(value.wholeMatch(of: /h-[0-9a-f]{32}@pseudonymised\.invalid/) != nil)
        #expect(a["display_name"]?.stringValue?.hasPrefix("h-") == true)
        #expect(a["id"]?.stringValue != (try Self.id(of: email)))
        // Same key, another call and another redactor: the same pseudonym and id.
        #expect(try redact(email, try redactor([.pseudonymiseEmailAddresses])) == a)
        // A reference in another object is mapped to the same new id, without context.
        let m = try redact(message, r)
        #expect(m["from_ref"] == a["id"])
        // The message's own id derives from from_ref, so it is renamed too.
        #expect(m["id"]?.stringValue == r.pseudonymiser.identifier(try Self.id(of: message)))
        // The address in a pattern gets the same pseudonym (addresses compare in lower case).
        let i = try redact(Self.indicator("[email-addr:value = 'alice@victim.example']"), r)
        #expect(i["pattern"]?.stringValue == "[email-addr:value = '\(value)']")
        // Another key, another pseudonym.
        let b = try redact(email, try redactor([.pseudonymiseEmailAddresses], key: Self.otherKey))
        #expect(b["value"] != a["value"])
        #expect(b["id"] != a["id"])
    }

    // MARK: user accounts

    @Test func userAccountsArePseudonymised() throws {
        let account = try Self.sco(
            #"{"type":"user-account","user_id":"1001","account_login":"jdoe","display_name":"John Doe","account_type":"unix"}"#)
        let r = try redactor([.pseudonymiseUserAccounts])
        let a = try redact(account, r)
        for property in ["user_id", "account_login", "display_name"] {
            #expect(a[property]?.stringValue?.wholeMatch(of: /h-[0-9a-f]{32}/) != nil)
        }
        #expect(a["account_type"]?.stringValue == "unix")
        let login = try #require(a["account_login"]?.stringValue)
        let i = try redact(Self.indicator("[user-account:account_login = 'jdoe' AND user-account:user_id = '1001']"), r)
        #expect(i["pattern"]?.stringValue?.contains("'\(login)'") == true)
        #expect(i["pattern"]?.stringValue?.contains("jdoe") == false)
        #expect(i["pattern"]?.stringValue?.contains("'1001'") == false)
    }

    // MARK: IP addresses

    @Test func ipAddressesInsideTheRangesOnly() throws {
        let victim = try Self.sco(#"{"type":"ipv4-addr","value":"198.51.100.7"}"#)
        let attacker = try Self.sco(#"{"type":"ipv4-addr","value":"203.0.113.9"}"#)
        let victim6 = try Self.sco(#"{"type":"ipv6-addr","value":"2001:db8:1::42"}"#)
        let traffic = try Self.sco(
            #"""
            {"type":"network-traffic","src_ref":"\#(try Self.id(of: victim))",
            "dst_ref":"\#(try Self.id(of: attacker))","protocols":["tcp"]}
            """#
        )
        let r = try redactor([.pseudonymiseIPAddresses(ranges: ["198.51.100.0/24", "2001:db8:1::/48"])])
        let v = try redact(victim, r)
        let value = try #require(v["value"]?.stringValue)
        #expect(try #require(IPNetwork("240.0.0.0/4")).contains(try #require(IPNetwork.addressBytes(value))))
        #expect(v["id"]?.stringValue != (try Self.id(of: victim)))
        // Outside the ranges: attacker infrastructure is shared as it is, same bytes.
        #expect(r.redact(try bytes(attacker)) == (try bytes(attacker)))
        let v6 = try redact(victim6, r)
        #expect(v6["value"]?.stringValue?.hasPrefix("2001:db8:") == true)
        #expect(v6["value"]?.stringValue != "2001:db8:1::42")
        // The same address written differently is the same address.
        #expect(
            r.pseudonymiser.ipAddress("2001:db8:1:0::42", within: nil)
                == r.pseudonymiser.ipAddress("2001:0db8:0001::0042", within: nil))
        // References: the victim's id is mapped once the redactor knows it was pseudonymised.
        let ids = r.renamedIDs(in: [try parse(try bytes(victim)), try parse(try bytes(attacker))])
        #expect(ids == [try Self.id(of: victim)])
        let t = try redact(traffic, r, ids: ids)
        #expect(t["src_ref"] == v["id"])
        #expect(t["dst_ref"]?.stringValue == (try Self.id(of: attacker)))
        // Its id derives from its ends: renamed, so that it cannot confirm a guessed victim address.
        #expect(t["id"]?.stringValue == r.pseudonymiser.identifier(try Self.id(of: traffic)))
        let withTraffic = try r.renamedIDs(in: [victim, attacker, traffic].map { try parse(try bytes($0)) })
        #expect(withTraffic == [try Self.id(of: victim), try Self.id(of: traffic)])
        // Between two outside addresses: untouched.
        let outside = try Self.sco(
            #"{"type":"network-traffic","dst_ref":"\#(try Self.id(of: attacker))","protocols":["udp"]}"#)
        #expect(r.redact(try bytes(outside), renamedIDs: withTraffic) == (try bytes(outside)))
        // Patterns: only the victim literal changes.
        let i = try redact(Self.indicator("[ipv4-addr:value = '198.51.100.7'] AND [ipv4-addr:value = '203.0.113.9']"), r)
        #expect(i["pattern"]?.stringValue == "[ipv4-addr:value = '\(value)'] AND [ipv4-addr:value = '203.0.113.9']")
    }

    @Test func everyAddressWithoutRangesAndReferencesWithoutContext() throws {
        let attacker = try Self.sco(#"{"type":"ipv4-addr","value":"203.0.113.9"}"#)
        let sighting =
            #"""
            {"type":"observed-data",\#(Self.sdo),"id":"observed-data--0f7c2a53-3c2a-4b7e-9d7d-2f9e8d2a1c11",
            "first_observed":"2026-01-01T00:00:00Z","last_observed":"2026-01-01T00:00:00Z","number_observed":1,
            "object_refs":["\#(try Self.id(of: attacker))"]}
            """#
        let r = try redactor([.pseudonymiseIPAddresses(ranges: nil)])
        let a = try redact(attacker, r)
        #expect(a["value"]?.stringValue != "203.0.113.9")
        #expect(try redact(sighting, r)["object_refs"] == .array([a["id"]!]))
    }

    @Test func networkRanges() throws {
        let net = try #require(IPNetwork("198.51.100.0/24"))
        #expect(net.contains([198, 51, 100, 255]))
        #expect(!net.contains([198, 51, 101, 0]))
        #expect(IPNetwork("2001:db8:1::/48")?.description == "2001:db8:1::/48")
        #expect(IPNetwork("10.0.0.1/8")?.description == "10.0.0.0/8")
        for bad in ["300.1.1.1/8", "10.0.0.0/33", "2001:db8::/129", "victims", "01.2.3.4", "::1::2"] {
            #expect(IPNetwork(bad) == nil)
        }
    }

    // MARK: drop properties

    @Test func dropsListedPropertiesAndMasksRequiredOnes() throws {
        let identity =
            #"""
            {"type":"identity",\#(Self.sdo),"id":"identity--3c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a11",
            "name":"Hospital A","identity_class":"organization","contact_information":"soc@hospital.example",
            "x_internal":"ticket 42"}
            """#
        let report =
            #"""
            {"type":"report",\#(Self.sdo),"id":"report--5c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a12",
            "name":"Breach at Hospital A","published":"2026-01-01T00:00:00Z",
            "object_refs":["identity--3c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a11"],
            "contact_information":"stays: only identity's is listed"}
            """#
        let r = try redactor([.dropProperties(["identity.contact_information", "x_internal", "report.name"])])
        let i = try redact(identity, r)
        #expect(i["contact_information"] == nil)
        #expect(i["x_internal"] == nil)
        #expect(i["name"]?.stringValue == "Hospital A")
        let p = try redact(report, r)
        #expect(p["name"]?.stringValue == "[redacted]")
        #expect(p["contact_information"] != nil)
    }

    // MARK: URLs

    @Test func stripsURLQueriesAndFragments() throws {
        let url = try Self.sco(#"{"type":"url","value":"https://evil.example/login.php?user=alice@victim.example#top"}"#)
        let malware =
            #"""
            {"type":"malware",\#(Self.sdo),"id":"malware--6c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a13","is_family":false,
            "external_references":[{"source_name":"sandbox",
            "url":"https://sandbox.example/r?id=9&token=s3cret"},{"source_name":"capec","external_id":"CAPEC-98"}]}
            """#
        let r = try redactor([.stripURLQueries])
        let u = try redact(url, r)
        #expect(u["value"]?.stringValue == "https://evil.example/login.php")
        #expect(u["id"]?.stringValue == r.pseudonymiser.identifier(try Self.id(of: url)))
        let ids = r.renamedIDs(in: [try parse(try bytes(url))])
        let observed =
            #"""
            {"type":"observed-data",\#(Self.sdo),"id":"observed-data--0f7c2a53-3c2a-4b7e-9d7d-2f9e8d2a1c11",
            "first_observed":"2026-01-01T00:00:00Z","last_observed":"2026-01-01T00:00:00Z","number_observed":1,
            "object_refs":["\#(try Self.id(of: url))"]}
            """#
        #expect(try redact(observed, r, ids: ids)["object_refs"] == .array([u["id"]!]))
        let m = try redact(malware, r)
        #expect(m["external_references"]?.arrayValue?[0]["url"]?.stringValue == "https://sandbox.example/r")
        let i = try redact(Self.indicator("[url:value = 'https://evil.example/a?x=1']"), r)
        #expect(i["pattern"]?.stringValue == "[url:value = 'https://evil.example/a']")
        // A URL without query or fragment: same bytes.
        let clean = try Self.sco(#"{"type":"url","value":"https://evil.example/"}"#)
        #expect(r.redact(try bytes(clean)) == (try bytes(clean)))
    }

    // MARK: free text

    @Test func dropsFreeText() throws {
        let note =
            #"""
            {"type":"note",\#(Self.sdo),"id":"note--7c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a14",
            "abstract":"call with the victim","content":"The CFO said…",
            "object_refs":["malware--6c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a13"],
            "external_references":[{"source_name":"call","description":"notes of the call"},{"source_name":"web",
            "url":"https://a.example/","description":"article"}]}
            """#
        let opinion =
            #"""
            {"type":"opinion",\#(Self.sdo),"id":"opinion--8c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a15","opinion":"agree",
            "explanation":"our analyst X thinks","object_refs":["note--7c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a14"]}
            """#
        let r = try redactor([.dropFreeText])
        let n = try redact(note, r)
        #expect(n["abstract"] == nil)
        #expect(n["content"]?.stringValue == "[redacted]")
        // The reference described only by its description goes whole; the other keeps its url.
        #expect(
            n["external_references"]
                == .array([.object([("source_name", .string("web")), ("url", .string("https://a.example/"))])]))
        #expect(try redact(opinion, r)["explanation"] == nil)
        let described = Self.indicator("[ipv4-addr:value = '198.51.100.7']").replacingOccurrences(
            of: #""pattern_type""#, with: #""description":"victim: Hospital A","pattern_type""#)
        #expect(try redact(described, r) == (try parse(try bytes(Self.indicator("[ipv4-addr:value = '198.51.100.7']")))))
    }

    // MARK: granular markings and policy together

    @Test func granularMarkingsStayValidWhenAPolicyDropsWhatTheySelect() throws {
        let json =
            #"""
            {"type":"indicator",\#(Self.sdo),"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "description":"x","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix",
            "valid_from":"2026-01-01T00:00:00Z","granular_markings":[{"marking_ref":"\#(TLP2.green)",
            "selectors":["description","pattern"]},{"marking_ref":"\#(TLP2.amber)","selectors":["description"]}]}
            """#
        let r = try redactor([.dropFreeText])
        let object = try expectValid(r.redact(try bytes(json), allowed: { $0 <= .green }))
        #expect(object["description"] == nil)
        #expect(
            object["granular_markings"]
                == .array([.object([("marking_ref", .string(TLP2.green)), ("selectors", .array([.string("pattern")]))])]))
        // A red pattern withholds the object, whatever the policy.
        let red = json.replacingOccurrences(of: TLP2.amber, with: TLP2.red).replacingOccurrences(
            of: #""selectors":["description"]}"#, with: #""selectors":["pattern"]}"#)
        #expect(r.redact(try bytes(red), allowed: { $0 <= .amber }) == nil)
    }

    @Test func untouchedObjectsKeepTheirBytes() throws {
        let raw = Array(#"{"type":"x-thing","id":"x-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","name":"caf\u00e9"}"#.utf8)
        let r = try redactor([
            .pseudonymiseEmailAddresses, .pseudonymiseUserAccounts, .pseudonymiseIPAddresses(ranges: nil),
            .stripURLQueries, .dropFreeText, .dropProperties(["x_secret"]),
        ])
        #expect(r.redact(raw) == raw)
        #expect(r.redact(raw, allowed: { _ in false }) == raw)
    }

    // MARK: bundles (the preview)

    @Test func bundlePreviewIsDeterministicAndConsistent() throws {
        let victim = try Self.sco(#"{"type":"ipv4-addr","value":"198.51.100.7"}"#)
        let attacker = try Self.sco(#"{"type":"ipv4-addr","value":"203.0.113.9"}"#)
        let traffic = try Self.sco(
            #"""
            {"type":"network-traffic","src_ref":"\#(try Self.id(of: victim))",
            "dst_ref":"\#(try Self.id(of: attacker))","protocols":["tcp"]}
            """#
        )
        let withheld =
            #"""
            {"type":"note",\#(Self.sdo),"id":"note--7c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a14","content":"c",
            "object_refs":["\#(try Self.id(of: victim))"],"granular_markings":[{"marking_ref":"\#(TLP2.red)",
            "selectors":["object_refs"]}]}
            """#
        let bundle = """
            {"type": "bundle", "id": "bundle--1c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a10",
             "objects": [\(victim), \(attacker), \(traffic), \(withheld)]}
            """
        let r = try redactor([.pseudonymiseIPAddresses(ranges: ["198.51.100.0/24"])])
        let preview = try r.redactBundle(Array(bundle.utf8), allowed: { $0 <= .amber })
        #expect(preview.objects.map(\.outcome) == [.redacted, .unchanged, .redacted, .withheld])
        #expect(try r.redactBundle(Array(bundle.utf8), allowed: { $0 <= .amber }).bytes == preview.bytes)
        let objects = try #require(try parse(preview.bytes)["objects"]?.arrayValue)
        #expect(objects.count == 3)
        for object in objects { #expect(STIXValidator.violations(of: object) == []) }
        #expect(objects[2]["src_ref"] == objects[0]["id"])
        #expect(objects[2]["dst_ref"] == objects[1]["id"])
        #expect(objects[1] == (try parse(try bytes(attacker))))
        #expect(try parse(preview.bytes)["id"]?.stringValue == "bundle--1c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a10")
    }

    // MARK: the policy

    @Test func policyJSONRoundTrips() throws {
        let json = """
            {"name":"to-peers","destination":"peer","rules":[
              {"rule":"pseudonymise-email-addresses"},{"rule":"pseudonymise-user-accounts"},
              {"rule":"pseudonymise-ip-addresses","ranges":["192.0.2.0/24"]},
              {"rule":"drop-properties","properties":["x_internal","identity.contact_information"]},
              {"rule":"strip-url-queries"},{"rule":"drop-free-text"}]}
            """
        let policy = try JSONDecoder().decode(RedactionPolicy.self, from: Data(json.utf8))
        #expect(policy.rules.count == 6)
        #expect(policy.destination == .peer)
        let again = try JSONDecoder().decode(RedactionPolicy.self, from: try JSONEncoder().encode(policy))
        #expect(again == policy)
    }

    @Test(arguments: [
        (#"{"name":" ","destination":"peer","rules":[]}"#, RedactionPolicyError.Code.emptyName),
        (#"{"name":"p","destination":"friends","rules":[]}"#, .unknownDestination),
        (#"{"name":"p","destination":"peer","rules":[{"rule":"hash-everything"}]}"#, .unknownRule),
        (#"{"name":"p","destination":"peer","rules":[{"rule":"drop-free-text"},{"rule":"drop-free-text"}]}"#, .duplicateRule),
        (
            #"{"name":"p","destination":"peer","rules":[{"rule":"pseudonymise-ip-addresses","ranges":["10.0.0.0/33"]}]}"#,
            .badRange
        ),
        (#"{"name":"p","destination":"peer","rules":[{"rule":"pseudonymise-ip-addresses","ranges":[]}]}"#, .badRange),
        (#"{"name":"p","destination":"peer","rules":[{"rule":"drop-properties","properties":["Bad Name"]}]}"#, .badProperty),
        (
            #"{"name":"p","destination":"peer","rules":[{"rule":"drop-properties","properties":["indicator.id"]}]}"#,
            .protectedProperty
        ),
        (#"{"name":"p","destination":"peer","rules":[{"rule":"drop-properties","properties":["created"]}]}"#, .protectedProperty),
    ])
    func policyErrors(json: String, code: RedactionPolicyError.Code) {
        do {
            _ = try JSONDecoder().decode(RedactionPolicy.self, from: Data(json.utf8))
            Issue.record("accepted: \(json)")
        } catch let error as RedactionPolicyError {
            #expect(error.code == code)
            if code == .unknownRule { #expect(error.location == "rules[0].rule") }
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func shortKeysAreRefused() {
        #expect(throws: RedactionPolicyError.self) {
            try Redactor(policy: RedactionPolicy(name: "p", destination: .export, rules: []), key: Array("short".utf8))
        }
    }

    // MARK: patterns, containers, translations

    @Test func patternLiteralsKeepTheirForm() {
        let map = ["O'Brien@victim.example": "h-1@pseudonymised.invalid", "10.0.0.1": "240.0.0.1"]
        #expect(
            PatternLiteralRewriter.rewrite(#"[email-addr:value = 'O\'Brien@victim.example']"#, replacements: map)
                == "[email-addr:value = 'h-1@pseudonymised.invalid']")
        // Binary, hex and timestamp literals are not strings.
        #expect(PatternLiteralRewriter.rewrite("[artifact:payload_bin = b'10.0.0.1']", replacements: map) == nil)
        #expect(
            PatternLiteralRewriter.rewrite("[ipv4-addr:value IN ('10.0.0.1', '10.0.0.2')]", replacements: map)
                == "[ipv4-addr:value IN ('240.0.0.1', '10.0.0.2')]")
        // Unterminated: left as it is.
        #expect(PatternLiteralRewriter.rewrite("[ipv4-addr:value = '10.0.0.1", replacements: map) == nil)
    }

    @Test func referencedValuesInPatternsAndObservedDataContainers() throws {
        let r = try redactor([.pseudonymiseEmailAddresses, .pseudonymiseIPAddresses(ranges: ["198.51.100.0/24"])])
        let i = try redact(
            Self.indicator(
                "[email-message:from_ref.value = 'bob@victim.example'] AND [network-traffic:dst_ref.value = '198.51.100.9']"
            ), r)
        let pattern = try #require(i["pattern"]?.stringValue)
        #expect(pattern.contains(r.pseudonymiser.emailAddress("bob@victim.example")))
        #expect(pattern.contains(try #require(r.pseudonymiser.ipAddress("198.51.100.9", within: r.ranges))))
        let observed = #"""
            {"type":"observed-data",\#(Self.sdo),"id":"observed-data--0f7c2a53-3c2a-4b7e-9d7d-2f9e8d2a1c11",
            "first_observed":"2026-01-01T00:00:00Z","last_observed":"2026-01-01T00:00:00Z","number_observed":1,
            "objects":{"0":{"type":"email-addr","value":"bob@victim.example"},
            "1":{"type":"email-message","is_multipart":false,"from_ref":"0"}}}
            """#
        let o = try redact(observed, r)
        #expect(o["objects"]?["0"]?["value"]?.stringValue == r.pseudonymiser.emailAddress("bob@victim.example"))
        #expect(o["objects"]?["1"]?["from_ref"]?.stringValue == "0")
    }

    @Test func freeTextInTranslations() throws {
        let translation = #"""
            {"type":"language-content",\#(Self.sdo),"id":"language-content--1c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a17",
            "object_ref":"malware--6c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a13","object_modified":"2026-01-01T00:00:00.000Z",
            "contents":{"de":{"name":"Schadsoftware","description":"beim Opfer gefunden"}}}
            """#
        let r = try redactor([.dropFreeText])
        let t = try redact(translation, r)
        #expect(t["contents"] == .object([("de", .object([("name", .string("Schadsoftware"))]))]))
        // Nothing left to translate: withheld rather than invalid.
        let onlyDescription = translation.replacingOccurrences(of: #""name":"Schadsoftware","#, with: "")
        #expect(r.redact(try bytes(onlyDescription)) == nil)
    }

    @Test func tlp1MarkingsCountToo() throws {
        let tlp1Red = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
        let json = #"""
            {"type":"indicator",\#(Self.sdo),"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "description":"x","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix",
            "valid_from":"2026-01-01T00:00:00Z","granular_markings":[{"marking_ref":"\#(tlp1Red)","selectors":["description"]}]}
            """#
        let object = try expectValid(GranularRedaction.redact(try bytes(json)) { $0 < .red })
        #expect(object["description"] == nil)
        #expect(object["granular_markings"] == nil)
    }
}
