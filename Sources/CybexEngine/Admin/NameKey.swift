import Foundation

/// The form in which names of organisations, users, sharing groups and collections are compared,
/// so that a name that reads like one already taken is refused: `isp one`, `ISP\u{A0}One` and a
/// Cyrillic `ІSP One` all have the key of `ISP One`.
///
/// The key is: Unicode NFKC (compatibility forms such as a no-break space, full-width letters or
/// ligatures become the plain ones), default-ignorable characters (zero-width spaces and joiners,
/// soft hyphens) removed, white space trimmed and every run of it folded into one space, Latin
/// lookalikes among Cyrillic and Greek letters mapped to the Latin letters they resemble
/// (``latinLookalikes``, our own table of the common ones), and case folded (upper case, then lower
/// case: `ß` → `ss`, final `ς` → `σ`).
///
/// `Administration` compares the key of a new organisation, user, sharing group or collection with
/// the keys of those that exist and refuses a match (`.conflict`). The store itself still compares
/// names exactly (its contract keeps `Alpha` and `alpha` apart), and the check is not in the
/// insert's transaction: two administrators adding look-alikes at the same instant could both
/// succeed (SECURITY.md, "Look-alike names").
///
/// ```swift
/// NameKey.make("ISP\u{A0}One") == NameKey.make("іsp  one")   // true
/// ```
public enum NameKey {
    /// The comparison key of `name`.
    public static func make(_ name: String) -> String {
        let compatible = name.precomposedStringWithCompatibilityMapping
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in compatible.unicodeScalars {
            if scalar.properties.isDefaultIgnorableCodePoint { continue }
            if scalar.properties.isWhitespace {
                pendingSpace = !scalars.isEmpty
                continue
            }
            if pendingSpace {
                scalars.append(" ")
                pendingSpace = false
            }
            scalars.append(latinLookalikes[scalar] ?? scalar)
        }
        let folded = String(scalars).uppercased().lowercased()
        // Folding can give a letter of the table again (an upper-case letter not listed whose lower
        // case is): map once more.
        return String(String.UnicodeScalarView(folded.unicodeScalars.map { latinLookalikes[$0] ?? $0 }))
    }

    /// Cyrillic and Greek letters (and a few Latin variants) that look like a Latin letter, mapped
    /// to it: the usual material of a look-alike name.
    static let latinLookalikes: [Unicode.Scalar: Unicode.Scalar] = [
        // Cyrillic capitals
        "\u{0410}": "A", "\u{0412}": "B", "\u{0415}": "E", "\u{041A}": "K", "\u{041C}": "M", "\u{041D}": "H",
        "\u{041E}": "O", "\u{0420}": "P", "\u{0421}": "C", "\u{0422}": "T", "\u{0423}": "Y", "\u{0425}": "X",
        "\u{0405}": "S", "\u{0406}": "I", "\u{0408}": "J", "\u{04C0}": "I", "\u{04AE}": "Y", "\u{04BA}": "H",
        "\u{051A}": "Q", "\u{051C}": "W",
        // Cyrillic small letters
        "\u{0430}": "a", "\u{0435}": "e", "\u{043A}": "k", "\u{043E}": "o", "\u{0440}": "p", "\u{0441}": "c",
        "\u{0443}": "y", "\u{0445}": "x", "\u{0455}": "s", "\u{0456}": "i", "\u{0458}": "j", "\u{0501}": "d",
        "\u{04BB}": "h", "\u{04CF}": "l", "\u{04AF}": "y", "\u{051B}": "q", "\u{051D}": "w",
        // Greek capitals
        "\u{0391}": "A", "\u{0392}": "B", "\u{0395}": "E", "\u{0396}": "Z", "\u{0397}": "H", "\u{0399}": "I",
        "\u{039A}": "K", "\u{039C}": "M", "\u{039D}": "N", "\u{039F}": "O", "\u{03A1}": "P", "\u{03A4}": "T",
        "\u{03A5}": "Y", "\u{03A7}": "X",
        // Greek small letters
        "\u{03B1}": "a", "\u{03B9}": "i", "\u{03BA}": "k", "\u{03BD}": "v", "\u{03BF}": "o", "\u{03C1}": "p",
        "\u{03C5}": "u", "\u{03C7}": "x",
        // Latin variants
        "\u{0131}": "i", "\u{0251}": "a", "\u{0261}": "g",
    ]
}
