/// Replaces string literals of a STIX pattern (section 9): `'…'` with its `\'` and `\\` escapes.
/// Binary (`b'…'`), hex (`h'…'`) and timestamp (`t'…'`) literals are left alone.
///
/// Which literals to replace is decided by the caller from the pattern's comparisons
/// (``STIXPatternSyntax/comparisons(in:)``); this scan only rewrites them, one pass over the text.
enum PatternLiteralRewriter {
    /// `pattern` with every string literal whose (unescaped) value is a key of `replacements`
    /// replaced by the escaped value; nil when nothing was replaced.
    static func rewrite(_ pattern: String, replacements: [String: String]) -> String? {
        guard !replacements.isEmpty else { return nil }
        let bytes = Array(pattern.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var changed = false
        var i = 0
        let quote = UInt8(ascii: "'")
        let backslash = UInt8(ascii: "\\")
        while i < bytes.count {
            let byte = bytes[i]
            guard byte == quote else {
                out.append(byte)
                i += 1
                continue
            }
            let prefixed = i > 0 && bytes[i - 1].isASCIILetter
            // Find the closing quote, collecting the unescaped value.
            var j = i + 1
            var value: [UInt8] = []
            while j < bytes.count && bytes[j] != quote {
                if bytes[j] == backslash && j + 1 < bytes.count {
                    value.append(bytes[j + 1])
                    j += 2
                } else {
                    value.append(bytes[j])
                    j += 1
                }
            }
            guard j < bytes.count else {
                // Unterminated: copy the rest unchanged.
                out.append(contentsOf: bytes[i...])
                break
            }
            if !prefixed, let replacement = replacements[String(decoding: value, as: UTF8.self)] {
                out.append(quote)
                for b in replacement.utf8 {
                    if b == quote || b == backslash { out.append(backslash) }
                    out.append(b)
                }
                out.append(quote)
                changed = true
            } else {
                out.append(contentsOf: bytes[i...j])
            }
            i = j + 1
        }
        return changed ? String(decoding: out, as: UTF8.self) : nil
    }
}
