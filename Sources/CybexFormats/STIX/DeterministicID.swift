import Crypto

/// Deterministic identifiers of STIX Cyber-observable Objects (STIX 2.1 section 2.9).
///
/// The id of an SCO is `<type>--<UUIDv5>` where the UUID is made in the namespace
/// `00abedb4-aa42-466c-9c01-fed23315a9b7` from the RFC 8785 (JCS) canonical JSON of an object holding
/// the type's *ID contributing properties* that are present. Of `hashes`, one hash is used: MD5,
/// else SHA-1, else SHA-256, else SHA-512, else the first one written (the reference library's
/// `_choose_one_hash`).
///
/// ```swift
/// let ip = try JSONReader.parse(Array(#"{"type":"ipv4-addr","value":"198.51.100.3"}"#.utf8))
/// DeterministicID.identifier(for: ip)  // "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"
/// ```
///
/// Canonicalisation limits: numbers are written as ECMAScript writes the nearest IEEE 754 double
/// (exact for integers up to 2^53 and for every double; a number outside the double range makes the
/// id undefined). Strings are written with the JSON escapes of ECMAScript `JSON.stringify`.
public enum DeterministicID {
    /// The STIX SCO namespace, `00abedb4-aa42-466c-9c01-fed23315a9b7`.
    static let namespace: [UInt8] = [
        0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7,
    ]

    /// The ID contributing properties of each SCO type (`process` has none).
    public static let contributingProperties: [String: [String]] = [
        "artifact": ["hashes", "payload_bin"],
        "autonomous-system": ["number"],
        "directory": ["path"],
        "domain-name": ["value"],
        "email-addr": ["value"],
        "email-message": ["from_ref", "subject", "body"],
        "file": ["hashes", "name", "parent_directory_ref", "extensions"],
        "ipv4-addr": ["value"],
        "ipv6-addr": ["value"],
        "mac-addr": ["value"],
        "mutex": ["name"],
        "network-traffic": ["start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"],
        "process": [],
        "software": ["name", "cpe", "swid", "vendor", "version"],
        "url": ["value"],
        "user-account": ["account_type", "user_id", "account_login"],
        "windows-registry-key": ["key", "values"],
        "x509-certificate": ["hashes", "serial_number"],
    ]

    /// The deterministic id of an SCO, or nil when it has none: not a specification-defined SCO type,
    /// `process`, none of the contributing properties present (the id must then be a random UUIDv4),
    /// or a contributing value that cannot be canonicalised.
    public static func identifier(for object: JSONValue) -> String? {
        guard let type = object["type"]?.stringValue, let names = contributingProperties[type] else { return nil }
        var members: [(key: String, value: JSONValue)] = []
        for name in names {
            guard let value = object[name] else { continue }
            if name == "hashes" {
                guard let hash = chooseOneHash(value) else { return nil }
                members.append((name, hash))
            } else {
                members.append((name, value))
            }
        }
        guard !members.isEmpty, let canonical = canonicalJSON(.object(members)) else { return nil }
        return type + "--" + uuid5(name: Array(canonical.utf8))
    }

    /// `{"MD5": …}`, else SHA-1, SHA-256, SHA-512, else the first hash as written.
    static func chooseOneHash(_ hashes: JSONValue) -> JSONValue? {
        guard let members = hashes.objectMembers, let first = members.first else { return nil }
        for algorithm in ["MD5", "SHA-1", "SHA-256", "SHA-512"] {
            if let value = hashes[algorithm] { return .object([(algorithm, value)]) }
        }
        return .object([first])
    }

    /// A name-based (SHA-1) UUID, RFC 4122 section 4.3, in the STIX namespace.
    static func uuid5(name: [UInt8]) -> String {
        var bytes = Array(Insecure.SHA1.hash(data: namespace + name).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: RFC 8785

    /// The RFC 8785 canonical form of `value`; nil when it holds a number outside the double range.
    static func canonicalJSON(_ value: JSONValue) -> String? {
        var out = ""
        return write(value, into: &out) ? out : nil
    }

    static func write(_ value: JSONValue, into out: inout String) -> Bool {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .string(let s): writeString(s, into: &out)
        case .number(let text):
            guard let number = ecmaScriptNumber(text) else { return false }
            out += number
        case .array(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                guard write(element, into: &out) else { return false }
            }
            out += "]"
        case .object(let members):
            out += "{"
            let sorted = members.sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) }
            for (i, member) in sorted.enumerated() {
                if i > 0 { out += "," }
                writeString(member.key, into: &out)
                out += ":"
                guard write(member.value, into: &out) else { return false }
            }
            out += "}"
        }
        return true
    }

    /// A string as ECMAScript `JSON.stringify` writes it (RFC 8785 section 3.2.2.2).
    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{00}"..."\u{1F}":
                let hex = Array("0123456789abcdef")
                out += "\\u00" + String(hex[Int(scalar.value >> 4)]) + String(hex[Int(scalar.value & 0xF)])
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// The ECMAScript `Number.prototype.toString` form of the double nearest to a JSON number
    /// (RFC 8785 section 3.2.2.3): `10`, `1.5`, `1e+21`, `1e-7`, `0.000001`.
    static func ecmaScriptNumber(_ text: String) -> String? {
        guard let value = Double(text), value.isFinite else { return nil }
        if value == 0 { return "0" }
        // Swift's description gives the shortest digits that round-trip, closest to the value.
        var description = Substring(value.magnitude.description)
        var exponent = 0
        if let e = description.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(description[description.index(after: e)...]) ?? 0
            description = description[..<e]
        }
        let point = description.firstIndex(of: ".") ?? description.endIndex
        var digits = Array(description.filter { $0 != "." })
        exponent += description.distance(from: description.startIndex, to: point) - digits.count
        while digits.count > 1, digits.first == "0" { digits.removeFirst() }
        while digits.count > 1, digits.last == "0" {
            digits.removeLast()
            exponent += 1
        }
        // value = digits × 10^exponent; ECMAScript's n is the position of the decimal point.
        let k = digits.count
        let n = exponent + k
        let s = String(digits)
        var result: String
        if k <= n && n <= 21 {
            result = s + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            result = String(digits[..<n]) + "." + String(digits[n...])
        } else if -6 < n && n <= 0 {
            result = "0." + String(repeating: "0", count: -n) + s
        } else {
            let e = n - 1
            let mantissa = k == 1 ? s : String(digits[0]) + "." + String(digits[1...])
            result = mantissa + "e" + (e < 0 ? "-" : "+") + String(e.magnitude)
        }
        if value < 0 { result = "-" + result }
        return result
    }
}
