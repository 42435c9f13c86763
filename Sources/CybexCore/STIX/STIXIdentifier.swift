/// A STIX identifier, `type--UUID`.
public struct STIXIdentifier: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String
    /// The part before `--`.
    public let type: String
    /// The RFC 4122 version digit of the UUID part (1–5).
    public let uuidVersion: Int

    /// Parses `text`; nil unless it is `<type>--<uuid>` with a valid type name and an RFC 4122 UUID.
    public init?(_ text: String) {
        var text = text
        // A native string's bytes are read where they are; only a bridged one is copied first.
        let parsed = text.withUTF8 { utf8 -> (type: String, version: Int)? in
            guard utf8.count >= 39, utf8.count <= 250 + 2 + 36 else { return nil }
            let uuidStart = utf8.count - 36
            guard utf8[uuidStart - 1] == 0x2D, utf8[uuidStart - 2] == 0x2D else { return nil }
            let typeBytes = UnsafeBufferPointer(rebasing: utf8[0..<(uuidStart - 2)])
            guard STIXIdentifier.isValidTypeName(typeBytes),
                let version = STIXIdentifier.uuidVersion(UnsafeBufferPointer(rebasing: utf8[uuidStart...]))
            else { return nil }
            return (String(decoding: typeBytes, as: UTF8.self), version)
        }
        guard let parsed else { return nil }
        self.rawValue = text
        self.type = parsed.type
        self.uuidVersion = parsed.version
    }

    public var description: String { rawValue }

    /// The UUID part, lower-cased.
    public var uuid: String { String(rawValue.suffix(36)).lowercased() }

    /// Whether `name` is a valid STIX type name: `[a-z0-9-]`, 3 to 250 characters, starting with a
    /// letter, not ending with `-`, no `--`.
    public static func isValidTypeName(_ name: some Collection<UInt8>) -> Bool {
        guard name.count >= 3, name.count <= 250, let first = name.first, (0x61...0x7A).contains(first) else { return false }
        var previousDash = false
        for c in name {
            let isDash = c == 0x2D
            guard (0x61...0x7A).contains(c) || (0x30...0x39).contains(c) || isDash else { return false }
            if isDash && previousDash { return false }
            previousDash = isDash
        }
        return !previousDash
    }

    /// The version digit of a `8-4-4-4-12` hexadecimal UUID with the RFC 4122 variant; nil otherwise.
    static func uuidVersion(_ u: UnsafeBufferPointer<UInt8>) -> Int? {
        guard u.count == 36 else { return nil }
        for offset in 0..<36 {
            let c = u[offset]
            if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                guard c == 0x2D else { return nil }
            } else {
                guard (0x30...0x39).contains(c) || (0x61...0x66).contains(c) || (0x41...0x46).contains(c) else { return nil }
            }
        }
        let versionDigit = u[14]
        guard (0x31...0x35).contains(versionDigit) else { return nil }
        let variant = u[19] | 0x20
        guard variant == 0x38 || variant == 0x39 || variant == 0x61 || variant == 0x62 else { return nil }
        return Int(versionDigit - 0x30)
    }
}
