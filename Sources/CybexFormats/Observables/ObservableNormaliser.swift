public import CybexCore
import Foundation

/// The one written form of an observable's value, so that the same address, name or hash is one
/// value of the index however a source wrote it. The rules, kind by kind (`docs/CORRELATION.md`):
///
/// - **IPv4 and IPv6 addresses and ranges**: the address in its canonical text (dotted decimal;
///   RFC 5952 for IPv6: lower case, no leading zeros, the longest run of zero groups as `::`, an
///   IPv4-mapped address as `::ffff:192.0.2.1`); a range as its network address and prefix
///   (`192.0.2.7/24` → `192.0.2.0/24`), a full-length prefix as the bare address
///   (`192.0.2.7/32` → `192.0.2.7`).
/// - **Domain names**: lower case, Unicode labels in NFC and then IDNA A-labels (`bücher.example`
///   → `xn--bcher-kva.example`), the ideographic full stops as dots, a final dot dropped.
/// - **URLs**: RFC 3986 normalisation (``canonicalURL(_:)``).
/// - **E-mail addresses**: lower case, the domain part as a domain name.
/// - **MAC addresses**: lower-case hex pairs joined by colons, from colon, hyphen, dotted (Cisco) or
///   bare forms.
/// - **Hashes, registry keys, certificate serials**: lower case.
/// - **Autonomous systems**: the number in decimal (`AS64500` → `64500`).
/// - **File names, mutexes, user accounts**: as given (case matters on most systems).
///
/// A value that is not well-formed for its kind (an address that does not parse, a URL without a
/// scheme) is kept as given, trimmed of surrounding white space, lower-cased where the kind is
/// case-insensitive: it is still found by the same text.
public enum ObservableNormaliser {
    /// The longest value normalised by parsing; longer values are kept as given (lower-cased where
    /// the kind is case-insensitive), so that hostile input costs linear time.
    public static let maximumLength = 8_192

    /// `value` without leading and trailing white space and newlines (Unicode's White_Space). Most
    /// values begin and end with a printable ASCII character: they are returned as they are,
    /// without Foundation's scan, which cost a fifth of extracting an indicator's observables.
    static func trimmed(_ value: String) -> String {
        let isPrintableASCII = { (byte: UInt8) in byte > 0x20 && byte < 0x7F }
        if let first = value.utf8.first, let last = value.utf8.last, isPrintableASCII(first), isPrintableASCII(last) {
            return value
        }
        return value.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `value` as the index keeps an observable of `kind`.
    public static func normalise(_ value: String, as kind: Observable.Kind) -> String {
        let trimmed = trimmed(value)
        guard trimmed.utf8.count <= maximumLength else {
            return kind.isCaseSensitive ? trimmed : trimmed.lowercased()
        }
        switch kind {
        case .ipv4, .ipv6: return address(trimmed) ?? trimmed.lowercased()
        case .domain: return domain(trimmed) ?? trimmed.lowercased()
        case .url: return canonicalURL(trimmed) ?? trimmed
        case .email: return email(trimmed)
        case .mac: return mac(trimmed) ?? trimmed.lowercased()
        case .autonomousSystem: return autonomousSystem(trimmed) ?? trimmed
        case .md5, .sha1, .sha256, .sha512, .windowsRegistryKey, .x509Serial: return trimmed.lowercased()
        case .fileName, .mutex, .userAccount: return trimmed
        }
    }

    /// The observables a value written by a person is, for each kind it is well formed as: an
    /// address or range; a domain name (with a dot, not an address); a URL (with `://`); an e-mail
    /// address; a MAC address; a hash by its length in hex; an AS number written `AS…`. A value
    /// that fits none of them is taken as a file name, a user account and a mutex.
    public static func fitting(_ value: String) -> [Observable] {
        let text = trimmed(value)
        guard !text.isEmpty, text.utf8.count <= maximumLength else { return [] }
        var result: [Observable] = []
        if let network = IPNetwork(text) {
            result.append(Observable(kind: network.address.count == 4 ? .ipv4 : .ipv6, value: normalise(text, as: .ipv4)))
            return result
        }
        // Byte searches: Foundation's `contains` on a String bridges to NSString.
        let bytes = text.utf8
        let hasScheme = bytes.indices.contains { bytes[$0...].starts(with: "://".utf8) }
        let hasAt = bytes.contains(UInt8(ascii: "@"))
        if hasScheme, let url = canonicalURL(text) { result.append(Observable(kind: .url, value: url)) }
        if hasAt, !hasScheme, !bytes.contains(UInt8(ascii: " ")) {
            result.append(Observable(kind: .email, value: email(text)))
        }
        if bytes.contains(UInt8(ascii: ".")), !bytes.contains(UInt8(ascii: "/")), !hasAt, let name = domain(text) {
            result.append(Observable(kind: .domain, value: name))
        }
        if let address = mac(text) { result.append(Observable(kind: .mac, value: address)) }
        let hex = text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) }
        if hex {
            let kind: Observable.Kind? =
                switch text.utf8.count {
                case 32: .md5
                case 40: .sha1
                case 64: .sha256
                case 128: .sha512
                default: nil
                }
            if let kind { result.append(Observable(kind: kind, value: text.lowercased())) }
        }
        if text.uppercased().hasPrefix("AS"), let number = autonomousSystem(text) {
            result.append(Observable(kind: .autonomousSystem, value: number))
        }
        if result.isEmpty {
            result = [.fileName, .userAccount, .mutex].map { Observable(kind: $0, value: text) }
        }
        return result
    }

    // MARK: Addresses

    /// The canonical text of an IPv4 or IPv6 address or CIDR range; nil when `text` is neither.
    public static func address(_ text: String) -> String? {
        guard let network = IPNetwork(text) else { return nil }
        let bits = network.address.count * 8
        let written = IPNetwork.text(network.address)
        return network.prefixLength == bits ? written : "\(written)/\(network.prefixLength)"
    }

    // MARK: Domain names

    /// The longest domain name the DNS carries (RFC 1035: 255 octets on the wire, 253 written).
    static let maximumDomainLength = 253

    /// The A-label form of a domain name, lower case, without a final dot; nil when it is not a
    /// name (an empty label, a label or name too long, white space or control characters).
    public static func domain(_ text: String) -> String? {
        var name = text.lowercased()
        // IDNA (RFC 3490 section 3.1): U+3002, U+FF0E and U+FF61 separate labels as a dot does.
        if name.unicodeScalars.contains(where: { $0 == "\u{3002}" || $0 == "\u{FF0E}" || $0 == "\u{FF61}" }) {
            name = String(
                String.UnicodeScalarView(
                    name.unicodeScalars.map { ["\u{3002}", "\u{FF0E}", "\u{FF61}"].contains($0) ? "." : $0 }))
        }
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else { return nil }
        var labels: [String] = []
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty,
                !label.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F })
            else { return nil }
            if label.utf8.allSatisfy({ $0 < 0x80 }) {
                guard label.utf8.count <= 63 else { return nil }
                labels.append(String(label))
            } else {
                let composed = String(label).precomposedStringWithCanonicalMapping
                guard composed.unicodeScalars.count <= 63, let encoded = Punycode.encode(composed) else { return nil }
                let aLabel = "xn--" + encoded
                guard aLabel.utf8.count <= 63 else { return nil }
                labels.append(aLabel)
            }
        }
        let result = labels.joined(separator: ".")
        return result.utf8.count <= maximumDomainLength ? result : nil
    }

    // MARK: E-mail, MAC, AS

    /// `local@domain` in lower case, the domain as ``domain(_:)`` writes it.
    static func email(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return text.lowercased() }
        let local = text[..<at].lowercased()
        let host = String(text[text.index(after: at)...])
        return local + "@" + (domain(host) ?? host.lowercased())
    }

    /// A 48- or 64-bit MAC address as lower-case hex pairs joined by colons; nil otherwise.
    static func mac(_ text: String) -> String? {
        let digits = text.lowercased().unicodeScalars.filter { $0 != ":" && $0 != "-" && $0 != "." }
        guard digits.count == 12 || digits.count == 16,
            digits.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) })
        else { return nil }
        // The separators must be those of one of the usual forms: every 2 digits (colon, hyphen),
        // every 4 (dotted), or none.
        let separators = text.unicodeScalars.filter { $0 == ":" || $0 == "-" || $0 == "." }
        let groups = text.split(whereSeparator: { $0 == ":" || $0 == "-" || $0 == "." })
        guard separators.isEmpty || Set(separators).count == 1,
            separators.isEmpty || groups.allSatisfy({ $0.count == 2 }) || groups.allSatisfy({ $0.count == 4 }),
            separators.count == max(groups.count - 1, 0)
        else { return nil }
        let characters = Array(String(String.UnicodeScalarView(digits)))
        return stride(from: 0, to: characters.count, by: 2).map { String(characters[$0..<$0 + 2]) }
            .joined(separator: ":")
    }

    /// An autonomous system number in decimal, from `64500`, `AS64500` or `as64500`; nil otherwise.
    static func autonomousSystem(_ text: String) -> String? {
        let digits = text.uppercased().hasPrefix("AS") ? text.dropFirst(2) : Substring(text)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let number = UInt32(digits)
        else { return nil }
        return String(number)
    }
}

extension Observable.Kind {
    /// Whether two values of this kind that differ only in case are different values.
    var isCaseSensitive: Bool {
        switch self {
        case .fileName, .mutex, .userAccount, .url, .autonomousSystem: true
        default: false
        }
    }
}
