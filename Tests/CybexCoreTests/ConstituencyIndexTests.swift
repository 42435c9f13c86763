import Testing

@testable import CybexCore

/// Which organisations an observable touches: networks containing an address or range (nested
/// ones too), domains and their subdomains, URL and e-mail hosts, AS numbers.
@Suite("Constituency index")
struct ConstituencyIndexTests {
    static let index = ConstituencyIndex([
        ConstituencyMatch(organisationID: "isp", entry: ConstituencyEntry(kind: .network, value: "198.51.100.0/24")),
        ConstituencyMatch(organisationID: "reseller", entry: ConstituencyEntry(kind: .network, value: "198.51.0.0/16")),
        ConstituencyMatch(organisationID: "host", entry: ConstituencyEntry(kind: .network, value: "203.0.113.9")),
        ConstituencyMatch(organisationID: "v6", entry: ConstituencyEntry(kind: .network, value: "2001:db8::/32")),
        ConstituencyMatch(organisationID: "isp", entry: ConstituencyEntry(kind: .domain, value: "isp.example")),
        ConstituencyMatch(organisationID: "asn", entry: ConstituencyEntry(kind: .asn, value: "64500")),
    ])

    @Test(
        arguments: [
            (Observable(kind: .ipv4, value: "198.51.100.7"), ["isp", "reseller"]),
            (Observable(kind: .ipv4, value: "198.51.7.7"), ["reseller"]),
            (Observable(kind: .ipv4, value: "198.51.100.128/25"), ["isp", "reseller"]),
            (Observable(kind: .ipv4, value: "198.0.0.0/8"), []),
            (Observable(kind: .ipv4, value: "203.0.113.9"), ["host"]),
            (Observable(kind: .ipv4, value: "203.0.113.10"), []),
            (Observable(kind: .ipv6, value: "2001:db8::1"), ["v6"]),
            (Observable(kind: .domain, value: "www.isp.example"), ["isp"]),
            (Observable(kind: .domain, value: "isp.example.org"), []),
            (Observable(kind: .url, value: "https://mail.isp.example:8443/x?y"), ["isp"]),
            (Observable(kind: .url, value: "http://198.51.100.9/gate.php"), ["isp", "reseller"]),
            (Observable(kind: .url, value: "http://[2001:db8::5]/"), ["v6"]),
            (Observable(kind: .email, value: "someone@isp.example"), ["isp"]),
            (Observable(kind: .autonomousSystem, value: "64500"), ["asn"]),
            (Observable(kind: .sha256, value: String(repeating: "a", count: 64)), []),
        ] as [(Observable, [String])])
    func touched(observable: Observable, expected: [String]) {
        #expect(Self.index.organisations(touchedBy: [observable]) == Set(expected))
    }
}
