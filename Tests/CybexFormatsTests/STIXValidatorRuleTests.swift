import CybexCore
import Foundation
import Testing

@testable import CybexFormats

/// Rules the fixtures do not show on their own, mostly cases where the stix2-validator oracle cannot
/// be used: content the specification allows but validator 3.3.2 rejects or crashes on.
@Suite struct STIXValidatorRuleTests {
    static let tool =
        #""type":"tool","spec_version":"2.1","id":"tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2021-06-10T12:00:00.000Z","modified":"2021-06-10T12:00:00.000Z","name":"x""#

    func violations(_ json: String) throws -> [STIXViolation] {
        STIXValidator.violations(of: try JSONReader.parse(Array(json.utf8)))
    }

    func rules(_ json: String) throws -> Set<String> { Set(try violations(json).map(\.rule)) }

    @Test func languageOnlyGranularMarkingIsValid() throws {
        // Section 7.2.3: exactly one of marking_ref and lang. (The 2.1 JSON schema wrongly requires marking_ref.)
        #expect(
            try rules(
                #"{\#(Self.tool),"description":"Beschreibung","granular_markings":[{"lang":"de","selectors":["description"]}]}"#
            ).isEmpty)
        #expect(try rules(#"{\#(Self.tool),"granular_markings":[{"selectors":["name"]}]}"#) == ["granular-marking"])
        #expect(
            try rules(#"{\#(Self.tool),"granular_markings":[{"lang":"deutsch!","selectors":["name"]}]}"#) == [
                "language-tag"
            ])
    }

    @Test func singleHeaderValueIsAList() throws {
        // Section 6.6.1: the values are always lists of strings, one element included. (The schema wants two.)
        let message =
            #"{"type":"email-message","spec_version":"2.1","id":"email-message--c2b8b1b4-2b8c-4b6a-9a4d-0c1e7e4f1a2b","is_multipart":false,"additional_header_fields":{"X-Mailer":["Mutt"]}}"#
        #expect(try rules(message).isEmpty)
    }

    @Test func deprecatedContainerWithoutIdentifiers() throws {
        // Section 2.13: SCOs of the deprecated container have no ids. (Validator 3.3.2 crashes on them.)
        let observed =
            #"{"type":"observed-data","spec_version":"2.1","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf","created":"2016-04-06T19:58:16.000Z","modified":"2016-04-06T19:58:16.000Z","first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z","number_observed":1,"objects":{"0":{"type":"ipv4-addr","value":"198.51.100.2"},"1":{"type":"network-traffic","src_ref":"0","dst_ref":"2","protocols":["tcp"]},"2":{"type":"ipv6-addr","value":"::1"},"3":{"type":"x-acme-host","name":"h"}}}"#
        #expect(try rules(observed).isEmpty)
        let dangling = observed.replacingOccurrences(of: #""dst_ref":"2""#, with: #""dst_ref":"9""#)
        let found = try violations(dangling)
        #expect(found.map(\.rule) == ["reference-resolution"])
        #expect(found.first?.property == "objects.1.dst_ref")
    }

    @Test func customObjectsAndProperties() throws {
        let custom =
            #"{"type":"x-acme-widget","spec_version":"2.1","id":"x-acme-widget--2b3a0f4e-1c1d-41ee-be56-0242ac120002","created":"2021-06-10T12:00:00.000Z","modified":"2021-06-10T12:00:00.000Z","x_acme_colour":"blue","extensions":{"extension-definition--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d":{"extension_type":"new-sdo"}}}"#
        #expect(try rules(custom).isEmpty)
        // A custom SCO without created/modified, a custom extension on a predefined SCO type.
        #expect(
            try rules(
                #"{"type":"x-acme-sensor","id":"x-acme-sensor--2b3a0f4e-1c1d-41ee-be56-0242ac120002","serial":"1"}"#
            ).isEmpty)
        #expect(
            try rules(
                #"{"type":"mutex","id":"mutex--f93fe911-e545-5239-b9b0-597840d0c871","name":"__CLEANSWEEP__","extensions":{"x-acme-mutex-ext":{"owner":"svc"}}}"#
            ).isEmpty)
        // Custom binary and hex properties follow their naming rule.
        #expect(try rules(#"{\#(Self.tool),"x_acme_blob_bin":"AAAA","x_acme_mask_hex":"0f"}"#).isEmpty)
        #expect(try rules(#"{\#(Self.tool),"x_acme_blob_bin":"AAA"}"#) == ["binary-format"])
        #expect(try rules(#"{\#(Self.tool),"x_acme_mask_hex":"0g"}"#) == ["hex-format"])
        #expect(try rules(#"{\#(Self.tool),"x_acme_mask_hexa":"0g","x_acme_binx":"AAA"}"#).isEmpty)
    }

    @Test func nestedViolationsNameTheirPath() throws {
        let file =
            #"{"type":"file","spec_version":"2.1","id":"file--d2b1a3c4-5e6f-4a7b-8c9d-0e1f2a3b4c5d","name":"x","extensions":{"ntfs-ext":{"alternate_data_streams":[{"size":-1}]}}}"#
        let found = Set(try violations(file).map { "\($0.property ?? "-") \($0.rule)" })
        #expect(
            found == [
                "extensions.ntfs-ext.alternate_data_streams.[0].name required-property",
                "extensions.ntfs-ext.alternate_data_streams.[0].size value-range",
            ])
    }

    @Test func integersMayBeWrittenAsWholeNumbers() throws {
        #expect(try rules(#"{\#(Self.tool),"confidence":7.0}"#).isEmpty)
        #expect(try rules(#"{\#(Self.tool),"confidence":1e2}"#).isEmpty)
        #expect(try rules(#"{\#(Self.tool),"confidence":1e3}"#) == ["value-range"])
        #expect(try rules(#"{\#(Self.tool),"confidence":"7"}"#) == ["property-type"])
    }

    @Test func identifierVersions() throws {
        // UUIDv4 for SDOs is a SHOULD: a UUIDv1 id is accepted.
        let v1 = Self.tool.replacingOccurrences(of: "17d4-4cbf", with: "17d4-1cbf")
        #expect(try rules("{\(v1)}").isEmpty)
        // An email-message without contributing properties must have a UUIDv4 id.
        let message =
            #"{"type":"email-message","spec_version":"2.1","id":"email-message--3610d4ad-5a38-5172-80a6-d56a045612b9","is_multipart":false}"#
        #expect(try rules(message) == ["uuid-version"])
        #expect(try rules(message.replacingOccurrences(of: "5a38-5172", with: "5a38-4172")).isEmpty)
    }

    @Test func markingDefinitionsAreNotVersionedAndTLPIsFixed() throws {
        let white =
            #"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:WHITE","definition":{"tlp":"white"}}"#
        #expect(try rules(white).isEmpty)
        #expect(try rules(white.replacingOccurrences(of: "\"tlp\",", with: "\"statement\",")).contains("tlp-marking"))
        #expect(try rules(white.replacingOccurrences(of: "2017-01-20", with: "2017-01-21")) == ["tlp-marking"])
    }

    @Test func typeAndPropertyNames() throws {
        #expect(try rules(#"{"type":"ab","id":"ab--2b3a0f4e-1c1d-41ee-be56-0242ac120002"}"#) == ["type-name"])
        #expect(try rules(#"{"type":"action","id":"action--2b3a0f4e-1c1d-41ee-be56-0242ac120002"}"#) == ["type-name"])
        #expect(try rules(#"{\#(Self.tool),"_private":1}"#) == ["property-name"])
        #expect(try rules(#"{\#(Self.tool),"phone_number":"1"}"#) == ["reserved-property"])
        // Every reserved name, and names of their lengths that are not reserved.
        for name in ["severity", "username", "phone_number", "action"] {
            #expect(try rules(#"{\#(Self.tool),"\#(name)":"1"}"#) == ["reserved-property"])
        }
        for name in ["severitx", "usernamf", "phone_numbex", "actioz", "x_action", "phone_numbers"] {
            #expect(try rules(#"{\#(Self.tool),"\#(name)":"1"}"#).isEmpty)
        }
        #expect(STIXValidator.violations(of: .array([])).map(\.rule) == ["object"])
    }

    @Test func nullsAndEmptyContainersAtAnyDepth() throws {
        #expect(try rules(#"{\#(Self.tool),"x_acme":{"a":[]}}"#) == ["empty-list"])
        #expect(try rules(#"{\#(Self.tool),"x_acme":[{}]}"#) == ["empty-dictionary"])
        #expect(try rules(#"{\#(Self.tool),"x_acme":{"a":[null]}}"#) == ["null-value"])
    }

    @Test func patternTypeIsAnOpenVocabulary() throws {
        let indicator =
            #"{"type":"indicator","spec_version":"2.1","id":"indicator--e2e1a340-4415-4ba8-9671-f7343fbf0836","created":"2021-06-10T12:00:00.000Z","modified":"2021-06-10T12:00:00.000Z","valid_from":"2021-06-10T00:00:00Z","pattern":"alert tcp any any -> any 80 (msg:\"x\";)","pattern_type":"acme-ids"}"#
        #expect(try rules(indicator).isEmpty)
        #expect(try rules(indicator.replacingOccurrences(of: "acme-ids", with: "stix")) == ["pattern-syntax"])
    }
}

@Suite struct STIXValueSyntaxTests {
    @Test(arguments: [
        ("en", true), ("de-CH", true), ("zh-Hant-TW", true), ("sr-Latn-RS", true), ("es-419", true),
        ("x-klingon", true),
        ("i-klingon", true), ("en-GB-oed", true), ("de-CH-1901", true), ("en-a-bbb-x-ccc", true), ("zh-yue-HK", true),
        ("", false), ("en_US", false), ("e", false), ("en-", false), ("-en", false), ("en--US", false), ("x", false),
        ("en-a", false), ("toolonglanguage", false), ("ÿe", false),
    ])
    func languageTags(tag: String, valid: Bool) {
        #expect(STIXValueSyntax.isLanguageTag(tag) == valid)
    }

    @Test(arguments: [
        ("::", true), ("::1", true), ("2001:db8::", true), ("2001:db8::ff00:42:8329", true), ("fe80::1%eth0", true),
        ("::ffff:192.0.2.128", true), ("2001:db8::/32", true), ("1:2:3:4:5:6:7:8", true),
        ("1:2:3:4:5:6:192.0.2.1", true),
        ("1:2:3:4:5:6:7:8:9", false), ("1:2:3:4:5:6:7", false), ("2001::db8::1", false), ("12345::", false),
        ("g::", false),
        ("::/129", false), ("1:2:3:4:5:6:7::8", false), (":1::", false), ("fe80::1%", false), ("::1.2.3", false),
    ])
    func ipv6(value: String, valid: Bool) {
        #expect(STIXValueSyntax.isIPv6(value) == valid)
    }

    @Test(arguments: [
        ("198.51.100.3", true), ("0.0.0.0/0", true), ("198.51.100.0/24", true), ("255.255.255.255/32", true),
        ("256.1.1.1", false), ("1.2.3", false), ("01.2.3.4", false), ("1.2.3.4/33", false), ("1.2.3.4/", false),
        ("1.2.3.4/08", false),
    ])
    func ipv4(value: String, valid: Bool) {
        #expect(STIXValueSyntax.isIPv4(value) == valid)
    }

    @Test(arguments: [
        ("cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*", true),
        ("cpe:2.3:o:linux:linux_kernel:5.10.1:-:*:*:*:*:*:*", true),
        ("cpe:2.3:a:acme:foo\\:bar:1.0:*:*:*:*:*:*:*", true), ("cpe:2.3:a:acme:*foo?:1.0:*:*:*:*:*:*:*", true),
        ("cpe:/a:microsoft:word:2000", false), ("cpe:2.3:x:a:b:c:*:*:*:*:*:*:*", false),
        ("cpe:2.3:a:a:b:c:*:*:*:*:*:*", false),
        ("cpe:2.3:a:a b:c:d:*:*:*:*:*:*:*", false), ("cpe:2.3:a:a:b:c:*:*:*:*:*:*:*\\", false),
    ])
    func cpe(value: String, valid: Bool) {
        #expect(STIXValueSyntax.isCPE23(value) == valid)
    }

    @Test func otherFormats() {
        #expect(STIXValueSyntax.isBase64("") && STIXValueSyntax.isBase64("QQ==") && STIXValueSyntax.isBase64("QUI="))
        #expect(
            !STIXValueSyntax.isBase64("QQ=") && !STIXValueSyntax.isBase64("Q=QQ")
                && !STIXValueSyntax.isBase64("QQ==QUJD"))
        #expect(
            STIXValueSyntax.isHex("00ff") && !STIXValueSyntax.isHex("0ff") && !STIXValueSyntax.isHex("00FF")
                && !STIXValueSyntax.isHex(""))
        #expect(
            STIXValueSyntax.isMAC("00:00:ab:cd:ef:01") && !STIXValueSyntax.isMAC("0:0:ab:cd:ef:01")
                && !STIXValueSyntax.isMAC("00-00-ab-cd-ef-01"))
        #expect(
            STIXValueSyntax.isDomainName("example.com") && STIXValueSyntax.isDomainName("bücher.example.")
                && STIXValueSyntax.isDomainName("xn--bcher-kva.example"))
        #expect(
            !STIXValueSyntax.isDomainName("-a.example") && !STIXValueSyntax.isDomainName("a..b")
                && !STIXValueSyntax.isDomainName("_dmarc.example.com"))
        #expect(!STIXValueSyntax.isDomainName(String(repeating: "a", count: 64) + ".example"))
        #expect(
            STIXValueSyntax.isEmailAddress("jane.smith@example.com")
                && STIXValueSyntax.isEmailAddress("\"odd local\"@example.com"))
        #expect(
            !STIXValueSyntax.isEmailAddress("Jane <jane@example.com>")
                && !STIXValueSyntax.isEmailAddress("@example.com") && !STIXValueSyntax.isEmailAddress("a.@example.com"))
        #expect(
            STIXValueSyntax.isURL("https://example.com/a?b=c#d") && STIXValueSyntax.isURL("mailto:a@example.com")
                && STIXValueSyntax.isURL("http://[::1]:8080/"))
        #expect(
            !STIXValueSyntax.isURL("example.com") && !STIXValueSyntax.isURL("http://a b/")
                && !STIXValueSyntax.isURL("http://ex.com/ä") && !STIXValueSyntax.isURL("http://x/%zz"))
        #expect(
            STIXValueSyntax.isCharacterSetName("UTF-8") && STIXValueSyntax.isCharacterSetName("ISO_8859-1:1987")
                && !STIXValueSyntax.isCharacterSetName("utf 8"))
    }
}
