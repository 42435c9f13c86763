import Crypto

/// Name-based identifiers of Cybex's own objects (a feed's indicators and sightings, retro-hunt
/// sightings): a version-5-style UUID from the SHA-1 of a name (RFC 9562 section 5.5), so that the
/// same name always gives the same id. Written without formatting calls: a feed pull makes several
/// per value.
public enum NameBasedUUID {
    static let hexDigits = Array("0123456789abcdef".utf8)

    /// The UUID of `name`, lower-case text (`xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx`).
    public static func make(_ name: String) -> String {
        var digest = Array(Insecure.SHA1.hash(data: Array(name.utf8)).prefix(16))
        digest[6] = (digest[6] & 0x0f) | 0x50
        digest[8] = (digest[8] & 0x3f) | 0x80
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in digest.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
