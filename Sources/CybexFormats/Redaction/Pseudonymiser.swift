import Crypto
import CybexCore

/// Keyed pseudonyms (HMAC-SHA256): the same input under the same key always gives the same
/// pseudonym, so redacted objects still correlate with each other; without the key the pseudonym
/// cannot be reversed or recomputed from a guess.
///
/// Every pseudonym stays a valid value of its property:
///
/// | input | pseudonym |
/// |---|---|
/// | e-mail address (compared in lower case) | `h-<32 hex>@pseudonymised.invalid` (RFC 2606 `.invalid`) |
/// | user id, login, display name | `h-<32 hex>` |
/// | IPv4 address | an address of 240.0.0.0/4 (reserved, never routed): 28 bits of the HMAC |
/// | IPv6 address | an address of 2001:db8::/32 (documentation): 96 bits of the HMAC |
/// | SCO id `type--uuid` | `type--<uuid>` made of the HMAC of the old id (version 5 form) |
///
/// Each kind is hashed under its own label, so an address and a login that happen to be equal do
/// not get related pseudonyms. A network (`198.51.100.0/24`) keeps its prefix length.
struct Pseudonymiser: Sendable {
    /// The key bytes (`SymmetricKey` is not `Sendable`; one is made per pseudonym).
    let key: [UInt8]

    func digest(_ label: String, _ input: some Sequence<UInt8>) -> [UInt8] {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: key))
        mac.update(data: Array(label.utf8) + [0])
        mac.update(data: Array(input))
        return Array(mac.finalize())
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    func emailAddress(_ value: String) -> String {
        "h-" + Self.hex(digest("email-addr", value.lowercased().utf8).prefix(16)) + "@pseudonymised.invalid"
    }

    /// A user id, login (`label` "account") or display name (`label` "name").
    func token(_ label: String, _ value: String) -> String {
        "h-" + Self.hex(digest(label, value.utf8).prefix(16))
    }

    /// The pseudonym of an ipv4-addr/ipv6-addr value (an address with an optional `/prefix`), or nil
    /// when it is not an address or lies outside every one of `ranges` (nil ranges: every address).
    func ipAddress(_ value: String, within ranges: [IPNetwork]?) -> String? {
        let parts = value.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPNetwork.addressBytes(String(parts[0])) else { return nil }
        if let ranges, !ranges.contains(where: { $0.contains(address) }) { return nil }
        let suffix = parts.count == 2 ? "/" + parts[1] : ""
        if address.count == 4 {
            let h = digest("ipv4-addr", address)
            return [0xF0 | (h[0] & 0x0F), h[1], h[2], h[3]].map(String.init).joined(separator: ".") + suffix
        }
        let h = digest("ipv6-addr", address)
        return IPNetwork.ipv6Text([0x20, 0x01, 0x0d, 0xb8] + Array(h.prefix(12))) + suffix
    }

    /// The new id of a pseudonymised SCO: a pure function of the key and the old id, so that
    /// references to it in any other object are mapped to the same value.
    func identifier(_ id: String) -> String {
        guard let separator = id.firstRange(of: "--") else { return id }
        var b = Array(digest("id", id.utf8).prefix(16))
        b[6] = (b[6] & 0x0F) | 0x50
        b[8] = (b[8] & 0x3F) | 0x80
        let h = Self.hex(b)
        let u = Array(h)
        let uuid = [u[0..<8], u[8..<12], u[12..<16], u[16..<20], u[20..<32]].map { String($0) }.joined(separator: "-")
        return id[..<separator.lowerBound] + "--" + uuid
    }
}
