import Foundation

/// The client address that login throttling counts failures against.
///
/// It is the TCP peer's, unless the peer is one of the configured trusted proxies: then
/// `X-Forwarded-For` is read from the right (the hop nearest to us) and the first address that is
/// not itself a trusted proxy is the client. Entries further left were written by the client and
/// are never reached while the proxies append as they should. Without trusted proxies the header
/// is ignored.
///
/// ```swift
/// ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: ["198.51.100.7, 10.0.0.9"], trustedProxies: ["10.0.0.2", "10.0.0.9"])
/// // "198.51.100.7"
/// ```
public enum ClientAddress {
    /// Most `X-Forwarded-For` entries looked at; a longer chain resolves to the entry this far in.
    public static let maxHops = 16

    /// The client's address for a request from `peer` carrying these `X-Forwarded-For` values.
    public static func resolve(peer: String?, forwardedFor: [String], trustedProxies: Set<String>) -> String? {
        guard let peer, trustedProxies.contains(peer) else { return peer }
        let hops = forwardedFor.joined(separator: ",").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        var client = peer
        for hop in hops.reversed().prefix(maxHops) {
            guard isAddress(hop) else { break }
            client = hop
            if !trustedProxies.contains(hop) { break }
        }
        return client
    }

    /// Whether `text` looks like an IPv4 or IPv6 literal (digits, hex letters, dots, colons).
    public static func isAddress(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 45
            && text.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
                    || byte == 0x2E || byte == 0x3A
            }
    }
}
