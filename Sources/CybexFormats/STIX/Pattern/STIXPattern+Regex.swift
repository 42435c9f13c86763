import Foundation

extension STIXPattern {
    /// The longest `MATCHES` regular expression, in UTF-8 bytes.
    public static let maxRegexLength = 4_096

    /// The regular expression of a `MATCHES` string: in NFC, ICU's syntax (close to PCRE's, which
    /// section 9.6.1 names), `.` matching line breaks too (DOTALL, as the section requires).
    static func regex(_ text: String) throws(STIXPatternError) -> NSRegularExpression {
        guard text.utf8.count <= maxRegexLength else {
            throw STIXPatternError(.invalidLiteral, "regular expression longer than \(maxRegexLength) bytes")
        }
        do {
            return try NSRegularExpression(
                pattern: text.precomposedStringWithCanonicalMapping, options: [.dotMatchesLineSeparators])
        } catch {
            throw STIXPatternError(.invalidLiteral, "the regular expression does not compile")
        }
    }
}
