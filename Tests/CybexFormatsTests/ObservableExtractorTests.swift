import CybexCore
import CybexFormats
import Testing

@Suite struct ObservableExtractorTests {
    func observables(_ json: String) throws -> [Observable] {
        let object = try JSONReader.parse(Array(json.utf8))
        return ObservableExtractor.observables(of: object, type: object["type"]?.stringValue ?? "")
    }

    @Test func observableValuesAreNormalised() throws {
        #expect(
            try observables(#"{"type":"ipv4-addr","value":"198.51.100.0/24"}"#) == [
                Observable(kind: .ipv4, value: "198.51.100.0/24")
            ])
        #expect(
            try observables(#"{"type":"ipv6-addr","value":"2001:DB8::1"}"#) == [
                Observable(kind: .ipv6, value: "2001:db8::1")
            ])
        #expect(
            try observables(#"{"type":"domain-name","value":"Evil.Example."}"#) == [
                Observable(kind: .domain, value: "evil.example")
            ])
        #expect(
            try observables(#"{"type":"email-addr","value":"Jane@Example.com"}"#) == [
                Observable(kind: .email, value: "jane@example.com")
            ])
        #expect(
            try observables(#"{"type":"url","value":"https://Example.com/A"}"#) == [
                // Scheme and host in lower case, the path as given (ObservableNormaliser).
                Observable(kind: .url, value: "https://example.com/A")
            ])
        #expect(
            try observables(#"{"type":"autonomous-system","number":15139}"#) == [
                Observable(kind: .autonomousSystem, value: "15139")
            ])
        #expect(
            try observables(#"{"type":"windows-registry-key","key":"HKEY_LOCAL_MACHINE\\Run"}"#) == [
                Observable(kind: .windowsRegistryKey, value: "hkey_local_machine\\run")
            ])
        #expect(
            try observables(#"{"type":"user-account","user_id":"1001","account_login":"jdoe"}"#) == [
                Observable(kind: .userAccount, value: "jdoe")
            ])
    }

    @Test func fileNamesAndHashes() throws {
        let file = #"{"type":"file","name":"foo.exe","hashes":{"MD5":"AA","SHA-256":"BB","SHA3-256":"CC"}}"#
        #expect(
            try observables(file) == [
                Observable(kind: .fileName, value: "foo.exe"), Observable(kind: .md5, value: "aa"),
                Observable(kind: .sha256, value: "bb"),
            ])
        #expect(
            try observables(#"{"type":"artifact","payload_bin":"AAAA","hashes":{"SHA-1":"DD"}}"#) == [
                Observable(kind: .sha1, value: "dd")
            ])
    }

    @Test func indicatorPatterns() throws {
        let indicator = #"""
            {"type":"indicator","pattern_type":"stix","pattern":"[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'Evil.Example'] AND [file:hashes.'SHA-256' IN ('AB', 'CD') AND file:name != 'x.exe'] OR [url:value NOT = 'https://a/'] OR [autonomous-system:number = 64496]"}
            """#
        #expect(
            try observables(indicator) == [
                Observable(kind: .ipv4, value: "198.51.100.1"), Observable(kind: .domain, value: "evil.example"),
                Observable(kind: .sha256, value: "ab"), Observable(kind: .sha256, value: "cd"),
                Observable(kind: .autonomousSystem, value: "64496"),
            ])
        #expect(
            try observables(#"{"type":"indicator","pattern_type":"yara","pattern":"[ipv4-addr:value = '1.2.3.4']"}"#)
                .isEmpty)
        #expect(try observables(#"{"type":"indicator","pattern_type":"stix","pattern":"[broken"}"#).isEmpty)
    }

    @Test func deprecatedObservableContainer() throws {
        let observed =
            #"{"type":"observed-data","objects":{"0":{"type":"ipv4-addr","value":"198.51.100.2"},"1":{"type":"ipv4-addr","value":"198.51.100.2"},"2":{"type":"mutex","name":"m"}}}"#
        #expect(
            try observables(observed) == [
                Observable(kind: .ipv4, value: "198.51.100.2"), Observable(kind: .mutex, value: "m"),
            ])
    }

    @Test func edges() throws {
        let sighting = try JSONReader.parse(
            Array(
                #"{"type":"sighting","id":"sighting--1","sighting_of_ref":"indicator--1","observed_data_refs":["observed-data--1"],"where_sighted_refs":["identity--1","location--1"]}"#
                    .utf8))
        #expect(
            ObservableExtractor.edges(of: sighting, type: "sighting") == [
                RelationshipEdge(sourceRef: "sighting--1", targetRef: "indicator--1", type: "sighting-of"),
                RelationshipEdge(sourceRef: "sighting--1", targetRef: "observed-data--1", type: "observed"),
                RelationshipEdge(sourceRef: "sighting--1", targetRef: "identity--1", type: "where-sighted"),
                RelationshipEdge(sourceRef: "sighting--1", targetRef: "location--1", type: "where-sighted"),
            ])
        let relationship = try JSONReader.parse(
            Array(
                #"{"type":"relationship","id":"relationship--1","relationship_type":"indicates","source_ref":"indicator--1","target_ref":"malware--1"}"#
                    .utf8))
        #expect(
            ObservableExtractor.edges(of: relationship, type: "relationship") == [
                RelationshipEdge(sourceRef: "indicator--1", targetRef: "malware--1", type: "indicates")
            ])
        let domain = try JSONReader.parse(
            Array(
                #"{"type":"domain-name","id":"domain-name--1","value":"a.example","resolves_to_refs":["ipv4-addr--1"]}"#
                    .utf8))
        #expect(
            ObservableExtractor.edges(of: domain, type: "domain-name") == [
                RelationshipEdge(sourceRef: "domain-name--1", targetRef: "ipv4-addr--1", type: "resolves-to")
            ])
        let report = try JSONReader.parse(
            Array(#"{"type":"report","id":"report--1","object_refs":["indicator--1","malware--1",3]}"#.utf8))
        #expect(
            ObservableExtractor.edges(of: report, type: "report") == [
                RelationshipEdge(sourceRef: "report--1", targetRef: "indicator--1", type: "object-ref"),
                RelationshipEdge(sourceRef: "report--1", targetRef: "malware--1", type: "object-ref"),
            ])
        for type in ["grouping", "note", "opinion", "observed-data"] {
            let object = try JSONReader.parse(Array(#"{"type":"\#(type)","id":"\#(type)--1","object_refs":["x--1"]}"#.utf8))
            #expect(ObservableExtractor.edges(of: object, type: type).map(\.type) == ["object-ref"], "\(type)")
        }
        let traffic = try JSONReader.parse(
            Array(#"{"type":"network-traffic","id":"network-traffic--1","src_ref":"ipv4-addr--1","dst_ref":"ipv4-addr--2"}"#.utf8)
        )
        #expect(
            ObservableExtractor.edges(of: traffic, type: "network-traffic") == [
                RelationshipEdge(sourceRef: "network-traffic--1", targetRef: "ipv4-addr--1", type: "src-ref"),
                RelationshipEdge(sourceRef: "network-traffic--1", targetRef: "ipv4-addr--2", type: "dst-ref"),
            ])
        #expect(ObservableExtractor.edges(of: .object([]), type: "relationship").isEmpty)
    }
}
