/// The checks an address passes before it goes into an SMTP command or a header: a plausible
/// `local@domain` in ASCII (no SMTPUTF8), without spaces, angle brackets, quotes or control
/// characters, so that it can neither break the `MAIL FROM:<…>` syntax nor add a header line.
enum MailAddress {
    /// RFC 5321 section 4.5.3.1: local part 64 octets, path 256 with its angle brackets.
    static let maxLocalBytes = 64
    static let maxAddressBytes = 254

    /// Throws ``SMTPError/Code/invalidMessage`` naming `role` ("sender", "recipient") unless
    /// `address` is a dot-atom local part (RFC 5322 section 3.2.3), "@", and a domain of letters,
    /// digits and hyphens in dot-separated labels.
    static func validate(_ address: String, role: String) throws {
        func refuse(_ why: String) -> SMTPError {
            SMTPError(.invalidMessage, "the \(role) address '\(SMTPError.printable(address.utf8))' \(why)")
        }
        if address.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw refuse("contains a line break")
        }
        guard address.utf8.count <= maxAddressBytes else { throw refuse("is longer than \(maxAddressBytes) bytes") }
        guard let at = address.lastIndex(of: "@") else { throw refuse("has no '@'") }
        let local = address[..<at]
        let domain = address[address.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= maxLocalBytes, isDotAtom(local) else {
            throw refuse("does not have a plain local part before '@' (letters, digits, !#$%&'*+-/=?^_`{|}~ and dots)")
        }
        guard isDomain(domain) else { throw refuse("does not have a domain name after '@'") }
    }

    /// RFC 5322 atext, in dot-separated non-empty atoms.
    static func isDotAtom(_ text: Substring) -> Bool {
        let specials = Set("!#$%&'*+-/=?^_`{|}~".unicodeScalars)
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { atom in
            !atom.isEmpty
                && atom.unicodeScalars.allSatisfy {
                    $0.isASCII && ($0.properties.isAlphabetic || isDigit($0) || specials.contains($0))
                }
        }
    }

    /// Dot-separated labels of 1-63 letters, digits and hyphens, not starting or ending with a
    /// hyphen (RFC 5321 section 4.1.2), 255 bytes at most; a final dot is not allowed.
    static func isDomain<Text: StringProtocol>(_ text: Text) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 255 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || isDigit($0) || $0 == "-") }
        }
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
}
