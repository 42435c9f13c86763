/// An IPv4 or IPv6 network in CIDR form (`192.0.2.0/24`, `2001:db8:1::/48`; a bare address is a
/// /32 or /128): the observables index's address ranges, and the constituency's own addresses that
/// pseudonymisation is restricted to.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The network address: 4 bytes for IPv4, 16 for IPv6.
    public let address: [UInt8]
    /// The prefix length in bits.
    public let prefixLength: Int

    /// The network written as `text`; nil when it is not an address with an optional `/prefix`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPNetwork.addressBytes(String(parts[0])) else { return nil }
        let bits = address.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let n = Int(parts[1]), (0...bits).contains(n), parts[1].allSatisfy(\.isASCII) else { return nil }
            prefix = n
        }
        self.address = IPNetwork.masked(address, prefix)
        self.prefixLength = prefix
    }

    public var description: String {
        let text =
            address.count == 4 ? address.map(String.init).joined(separator: ".") : IPNetwork.ipv6Text(address)
        return text + "/\(prefixLength)"
    }

    /// The last address of the network (every host bit set); ``address`` is the first.
    public var lastAddress: [UInt8] {
        address.enumerated().map { i, byte in
            let keep = min(max(prefixLength - i * 8, 0), 8)
            return keep == 8 ? byte : byte | (UInt8.max >> keep)
        }
    }

    /// Whether the address (4 or 16 bytes) lies in this network.
    public func contains(_ other: [UInt8]) -> Bool {
        other.count == address.count && IPNetwork.masked(other, prefixLength) == address
    }

    public static func masked(_ bytes: [UInt8], _ prefix: Int) -> [UInt8] {
        bytes.enumerated().map { i, byte in
            let keep = min(max(prefix - i * 8, 0), 8)
            return keep == 8 ? byte : byte & ~(UInt8.max >> keep)
        }
    }

    /// The bytes of an IPv4 dotted quad or an IPv6 address (a `%zone` is ignored); nil otherwise.
    public static func addressBytes(_ text: String) -> [UInt8]? {
        if text.contains(":") { return ipv6Bytes(text) }
        return ipv4Bytes(Substring(text))
    }

    public static func ipv4Bytes(_ text: Substring) -> [UInt8]? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var out: [UInt8] = []
        for octet in octets {
            guard (1...3).contains(octet.utf8.count), octet.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                octet.utf8.count == 1 || octet.first != "0", let n = UInt8(octet)
            else { return nil }
            out.append(n)
        }
        return out
    }

    public static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var address = Substring(text)
        if let zone = address.firstIndex(of: "%") { address = address[..<zone] }
        var head: [UInt8] = []
        var tail: [UInt8] = []
        var compressed = false
        var halves = [address]
        if let range = address.firstRange(of: "::") {
            halves = [address[..<range.lowerBound], address[range.upperBound...]]
            compressed = true
            guard !halves[1].contains("::") else { return nil }
        }
        for (h, half) in halves.enumerated() where !half.isEmpty {
            var bytes: [UInt8] = []
            let fields = half.split(separator: ":", omittingEmptySubsequences: false)
            for (f, field) in fields.enumerated() {
                if f == fields.count - 1, h == halves.count - 1, field.contains(".") {
                    guard let v4 = ipv4Bytes(field) else { return nil }
                    bytes += v4
                } else {
                    guard (1...4).contains(field.utf8.count), let n = UInt16(field, radix: 16) else { return nil }
                    bytes += [UInt8(n >> 8), UInt8(n & 0xFF)]
                }
            }
            if h == 0 { head = bytes } else { tail = bytes }
        }
        let filled = head.count + tail.count
        if compressed {
            guard filled <= 14 else { return nil }
            return head + [UInt8](repeating: 0, count: 16 - filled) + tail
        }
        return filled == 16 ? head : nil
    }

    /// The canonical text of an address: dotted decimal for 4 bytes; for 16, RFC 5952 with an
    /// IPv4-mapped address (`::ffff:0:0/96`) in its mixed form (`::ffff:192.0.2.1`, section 5).
    public static func text(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        if bytes.prefix(10).allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return "::ffff:" + bytes.suffix(4).map(String.init).joined(separator: ".")
        }
        return ipv6Text(bytes)
    }

    /// The RFC 5952 text of 16 address bytes (lower case, the longest run of zero groups as `::`).
    public static func ipv6Text(_ bytes: [UInt8]) -> String {
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        var best = (start: -1, length: 0)
        var run = (start: -1, length: 0)
        for (i, group) in groups.enumerated() {
            if group == 0 {
                run = run.start < 0 ? (i, 1) : (run.start, run.length + 1)
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let left = hex[..<best.start].joined(separator: ":")
        let right = hex[(best.start + best.length)...].joined(separator: ":")
        return left + "::" + right
    }
}
