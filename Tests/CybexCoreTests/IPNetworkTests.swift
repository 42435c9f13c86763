import CybexTestSupport
import Testing

@testable import CybexCore

@Suite struct IPNetworkTests {
    /// The one-pass IPv4 reading gives what the general reading gives, for every string it accepts.
    @Test func theFastIPv4ReadingAgreesWithTheGeneralOne() {
        var random = SeededGenerator(state: 0x1B4_C1D2)
        let octets = ["0", "1", "9", "10", "25", "99", "100", "199", "255", "256", "01", "007", "300", "1000", ""]
        let separators = [".", ".", ".", ".", "..", "/", ":", " "]
        let prefixes = ["", "", "/0", "/8", "/24", "/31", "/32", "/33", "/08", "/", "/+4", "/032"]
        var accepted = 0
        for _ in 0..<50_000 {
            let count = Int.random(in: 3...5, using: &random)
            var text = ""
            for index in 0..<count {
                if index > 0 { text += separators.randomElement(using: &random)! }
                text += octets.randomElement(using: &random)!
            }
            text += prefixes.randomElement(using: &random)!
            if let fast = IPNetwork.ipv4Network(text.utf8) {
                accepted += 1
                let general = IPNetwork.network(text)
                #expect(general?.0 == IPNetwork.masked(fast.0, fast.1), "\(text)")
                #expect(general?.1 == fast.1, "\(text)")
            }
        }
        for text in ["192.0.2.1", "10.0.0.0/8", "0.0.0.0/0", "255.255.255.255/32", "198.51.100.7/24"] {
            #expect(IPNetwork.ipv4Network(text.utf8) != nil, "\(text)")
            #expect(IPNetwork(text)?.address == IPNetwork.network(text)?.0, "\(text)")
        }
        for text in ["01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/33", "1.2.3.4/", "1..2.3", "1.2.3.4 "] {
            #expect(IPNetwork.ipv4Network(text.utf8) == nil, "\(text)")
        }
        #expect(accepted > 100)
    }

    @Test func canonicalTextOfAddresses() {
        #expect(IPNetwork.text([192, 0, 2, 1]) == "192.0.2.1")
        #expect(IPNetwork.text([0, 10, 100, 255]) == "0.10.100.255")
        #expect(IPNetwork.text([UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 192, 0, 2, 1]) == "::ffff:192.0.2.1")
        #expect(IPNetwork("198.51.100.7/24")?.lastAddress == [198, 51, 100, 255])
        #expect(IPNetwork("2001:db8::/32")?.lastAddress == [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0xFF, count: 12))
    }
}
