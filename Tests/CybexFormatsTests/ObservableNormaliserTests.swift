import CybexCore
import Testing

@testable import CybexFormats

/// One table per kind: what a source may write, and the one form the index keeps.
@Suite struct ObservableNormaliserTests {
    func check(_ kind: Observable.Kind, _ table: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) {
        for (given, expected) in table {
            #expect(
                ObservableNormaliser.normalise(given, as: kind) == expected, "\(kind.rawValue): \(given)",
                sourceLocation: sourceLocation)
        }
    }

    @Test func ipv4AddressesAndRanges() {
        check(
            .ipv4,
            [
                ("198.51.100.7", "198.51.100.7"),
                (" 198.51.100.7\n", "198.51.100.7"),
                ("198.51.100.7/32", "198.51.100.7"),
                ("198.51.100.7/24", "198.51.100.0/24"),
                ("198.51.100.0/24", "198.51.100.0/24"),
                ("10.1.2.3/8", "10.0.0.0/8"),
                ("0.0.0.0/0", "0.0.0.0/0"),
                // Not an address: kept as given (leading zeros are ambiguous: octal to some parsers).
                ("010.1.1.1", "010.1.1.1"),
                ("198.51.100.256", "198.51.100.256"),
                ("198.51.100.7/33", "198.51.100.7/33"),
            ])
    }

    @Test func ipv6AddressesAndRangesInTheirRFC5952Text() {
        check(
            .ipv6,
            [
                ("2001:DB8::1", "2001:db8::1"),
                ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
                ("2001:db8::1/128", "2001:db8::1"),
                ("2001:db8::7/32", "2001:db8::/32"),
                ("2001:db8:aaaa:bbbb::1/48", "2001:db8:aaaa::/48"),
                // One zero group is not compressed; the longest run is, the first of equal runs.
                ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
                ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
                ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
                ("::1", "::1"),
                ("::", "::"),
                ("::FFFF:192.0.2.1", "::ffff:192.0.2.1"),
                ("::ffff:c000:0201", "::ffff:192.0.2.1"),
                ("fe80::1%eth0", "fe80::1"),
                ("2001:db8::g", "2001:db8::g"),
                ("2001:DB8:::1", "2001:db8:::1"),
            ])
    }

    @Test func domainNamesAsLowerCaseALabels() {
        check(
            .domain,
            [
                ("Example.COM", "example.com"),
                ("example.com.", "example.com"),
                ("bücher.example", "xn--bcher-kva.example"),
                ("BÜCHER.example", "xn--bcher-kva.example"),
                // Decomposed ü (u + combining diaeresis) is composed first (NFC).
                ("bu\u{0308}cher.example", "xn--bcher-kva.example"),
                ("münchen.de", "xn--mnchen-3ya.de"),
                ("пример.рф", "xn--e1afmkfd.xn--p1ai"),
                ("ελληνικά.example", "xn--hxargifdar.example"),
                ("日本語。jp", "xn--wgv71a119e.jp"),
                ("例え．jp", "xn--r8jz45g.jp"),
                ("xn--bcher-kva.example", "xn--bcher-kva.example"),
                ("café.example.", "xn--caf-dma.example"),
                // Not a name: kept, lower-cased.
                ("Exa mple.com", "exa mple.com"),
                ("a..b", "a..b"),
                (String(repeating: "a", count: 64) + ".example", String(repeating: "a", count: 64) + ".example"),
            ])
    }

    @Test func urlsNormalisedAsRFC3986Says() {
        check(
            .url,
            [
                ("HTTP://Example.COM:80/a/./b/../c?x=%7e#Frag", "http://example.com/a/c?x=~#Frag"),
                ("http://example.com", "http://example.com/"),
                ("https://example.com:443", "https://example.com/"),
                ("https://example.com:8443/", "https://example.com:8443/"),
                ("http://192.0.2.1:0080/", "http://192.0.2.1/"),
                ("http://example.com:/x", "http://example.com/x"),
                ("https://bücher.example/Pfad", "https://xn--bcher-kva.example/Pfad"),
                ("http://EXAMPLE.com./", "http://example.com/"),
                ("http://[2001:DB8:0:0:0:0:0:1]:8080/x", "http://[2001:db8::1]:8080/x"),
                ("http://user:Pass@Example.com/", "http://user:Pass@example.com/"),
                // Escapes of unreserved characters decoded, others upper case; a reserved `/` stays escaped.
                ("http://example.com/%7Euser/%2fa%41", "http://example.com/~user/%2FaA"),
                ("http://example.com/a b/ü", "http://example.com/a%20b/%C3%BC"),
                ("http://example.com/%zz", "http://example.com/%25zz"),
                ("http://example.com/a/../../b", "http://example.com/b"),
                ("http://example.com/a/b/..", "http://example.com/a/"),
                ("http://example.com/{x}|", "http://example.com/%7Bx%7D%7C"),
                ("ftp://Files.Example.org:21/pub/", "ftp://files.example.org/pub/"),
                ("mailto:Someone@Example.com", "mailto:Someone@Example.com"),
                ("HTTPS://example.com?q=A%2bB", "https://example.com/?q=A%2BB"),
                // No scheme: kept as given.
                ("example.com/Path", "example.com/Path"),
                ("://example.com", "://example.com"),
            ])
    }

    @Test func emailAddressesMACAddressesAndAutonomousSystems() {
        check(
            .email,
            [
                ("Alice@Example.COM", "alice@example.com"),
                ("alice@bücher.example", "alice@xn--bcher-kva.example"),
                ("no-at-sign", "no-at-sign"),
            ])
        check(
            .mac,
            [
                ("00:11:22:AA:BB:CC", "00:11:22:aa:bb:cc"),
                ("00-11-22-aa-bb-cc", "00:11:22:aa:bb:cc"),
                ("0011.22aa.bbcc", "00:11:22:aa:bb:cc"),
                ("001122AABBCC", "00:11:22:aa:bb:cc"),
                ("00:11:22:33:44:55:66:77", "00:11:22:33:44:55:66:77"),
                ("00:11:22:aa:bb", "00:11:22:aa:bb"),
                ("00:11-22:aa:bb:cc", "00:11-22:aa:bb:cc"),
                ("0:11:22:aa:bb:ccc", "0:11:22:aa:bb:ccc"),
            ])
        check(
            .autonomousSystem,
            [("64500", "64500"), ("AS64500", "64500"), ("as064500", "64500"), ("ASX", "ASX"), ("4294967296", "4294967296")])
    }

    @Test func hashesAndOtherKinds() {
        check(.md5, [(" D41D8CD98F00B204E9800998ECF8427E ", "d41d8cd98f00b204e9800998ecf8427e")])
        check(
            .sha256,
            [
                (
                    "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                )
            ])
        check(.windowsRegistryKey, [("HKEY_LOCAL_MACHINE\\Software\\Run", "hkey_local_machine\\software\\run")])
        check(.fileName, [("Invoice.PDF.exe", "Invoice.PDF.exe")])
        check(.mutex, [("Global\\MyMutex", "Global\\MyMutex")])
        check(.userAccount, [("Admin", "Admin")])
    }

    @Test func punycodeMatchesRFC3492() {
        // Outputs checked against Python's `punycode` codec, an implementation of RFC 3492.
        let table = [
            ("bücher", "bcher-kva"), ("münchen", "mnchen-3ya"), ("пример", "e1afmkfd"), ("рф", "p1ai"),
            ("例え", "r8jz45g"), ("日本語", "wgv71a119e"), ("faß", "fa-hia"), ("ñandú", "and-6ma2c"),
            ("abc", "abc-"),
        ]
        for (label, encoded) in table { #expect(Punycode.encode(label) == encoded, "\(label)") }
    }

    @Test func hostileValuesCostLinearTime() {
        let long = String(repeating: "ü", count: 1_000_000)
        #expect(ObservableNormaliser.normalise(long, as: .domain) == long)
        let label = String(repeating: "ü", count: 2_000) + ".example"
        #expect(ObservableNormaliser.normalise(label, as: .domain) == label)
        let url = "http://example.com/" + String(repeating: "%41", count: 2_000)
        #expect(ObservableNormaliser.normalise(url, as: .url).hasPrefix("http://example.com/AAAA"))
        let dots = "http://example.com" + String(repeating: "/..", count: 2_000)
        #expect(ObservableNormaliser.normalise(dots, as: .url) == "http://example.com/")
    }

    @Test func patternsNameAddressRangesBySubset() {
        #expect(
            ObservableExtractor.observables(inPattern: "[ipv4-addr:value ISSUBSET '198.51.100.7/24']")
                == [Observable(kind: .ipv4, value: "198.51.100.0/24")])
        #expect(
            ObservableExtractor.observables(inPattern: "[url:value = 'HTTP://Example.COM']")
                == [Observable(kind: .url, value: "http://example.com/")])
        #expect(ObservableExtractor.observables(inPattern: "[file:name ISSUBSET 'x']").isEmpty)
        #expect(ObservableExtractor.observables(inPattern: "[ipv4-addr:value ISSUPERSET '198.51.100.7/24']").isEmpty)
    }

    @Test func searchesLookForTheFormEarlierStoresKept() {
        let candidates = Set(ObservableExtractor.candidates(for: "HTTP://Example.COM"))
        #expect(candidates.contains(Observable(kind: .url, value: "http://example.com/")))
        #expect(candidates.contains(Observable(kind: .url, value: "HTTP://Example.COM")))
        #expect(candidates.contains(Observable(kind: .domain, value: "http://example.com")))
    }
}
