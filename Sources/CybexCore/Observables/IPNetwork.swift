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
        // Most values are IPv4: read them in one pass over the bytes, without allocating.
        if let (address, prefix) = Self.ipv4Network(text.utf8) {
            self.address = Self.masked(address, prefix)
            self.prefixLength = prefix
            return
        }
        guard let (address, prefix) = Self.network(text) else { return nil }
        self.address = address
        self.prefixLength = prefix
    }

    /// The general reading of `text`: an IPv4 or IPv6 address with an optional prefix, masked.
    static func network(_ text: String) -> ([UInt8], Int)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPNetwork.addressBytes(String(parts[0])) else { return nil }
        let bits = address.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let n = Int(parts[1]), (0...bits).contains(n), parts[1].allSatisfy(\.isASCII) else { return nil }
            prefix = n
        }
        return (IPNetwork.masked(address, prefix), prefix)
    }

    /// A dotted quad with an optional `/0`–`/32`, as ``ipv4Bytes(_:)`` reads the quad (one to three
    /// digits an octet, no leading zero, at most 255); nil for anything else (the general path decides).
    static func ipv4Network(_ utf8: String.UTF8View) -> ([UInt8], Int)? {
        var octets: [UInt8] = []
        octets.reserveCapacity(4)
        var value = 0
        var digits = 0
        var leadingZero = false
        var prefix: Int?
        for byte in utf8 {
            switch byte {
            case 0x30...0x39:
                if digits == 3 || leadingZero { return nil }
                leadingZero = digits == 0 && byte == 0x30 && prefix == nil
                value = value * 10 + Int(byte - 0x30)
                digits += 1
            case 0x2E where prefix == nil:
                guard digits > 0, value <= 255, octets.count < 3 else { return nil }
                octets.append(UInt8(value))
                (value, digits, leadingZero) = (0, 0, false)
            case 0x2F where prefix == nil:
                guard digits > 0, value <= 255, octets.count == 3 else { return nil }
                octets.append(UInt8(value))
                (value, digits, leadingZero) = (0, 0, false)
                prefix = 0
            default:
                return nil
            }
        }
        guard digits > 0 else { return nil }
        if prefix == nil {
            guard value <= 255, octets.count == 3 else { return nil }
            octets.append(UInt8(value))
            return (octets, 32)
        }
        return value <= 32 ? (octets, value) : nil
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
        if bytes.count == 4 {
            var out: [UInt8] = []
            out.reserveCapacity(15)
            for (index, byte) in bytes.enumerated() {
                if index > 0 { out.append(0x2E) }
                if byte >= 100 { out.append(0x30 + byte / 100) }
                if byte >= 10 { out.append(0x30 + byte / 10 % 10) }
                out.append(0x30 + byte % 10)
            }
            return String(decoding: out, as: UTF8.self)
        }
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
