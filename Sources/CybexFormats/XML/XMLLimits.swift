/// Limits that bound the work and memory an XML document can demand of ``XMLReader``. The size is
/// checked before anything is parsed; the others as the reader goes, so a hostile document is
/// refused after at most `maxBytes` of work.
public struct XMLLimits: Sendable {
    /// Largest document accepted, in bytes.
    public var maxBytes: Int
    /// Deepest nesting of elements accepted (the root is depth 1).
    public var maxDepth: Int
    /// Most elements and text nodes in one document.
    public var maxNodes: Int
    /// Most attributes (namespace declarations included) on one element.
    public var maxAttributes: Int
    /// Longest text node or attribute value, in bytes after references are replaced.
    public var maxTextBytes: Int
    /// Longest element or attribute name, in bytes.
    public var maxNameBytes: Int

    public init(
        maxBytes: Int = 16 << 20, maxDepth: Int = 64, maxNodes: Int = 1_000_000, maxAttributes: Int = 64,
        maxTextBytes: Int = 8 << 20, maxNameBytes: Int = 512
    ) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.maxAttributes = maxAttributes
        self.maxTextBytes = maxTextBytes
        self.maxNameBytes = maxNameBytes
    }

    public static let `default` = XMLLimits()
}

/// Why an XML document was refused, and where (1-based line and column, columns in characters).
public struct XMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A document type declaration: Cybex reads no DTD, so entities cannot be declared.
        case doctypeRefused = "doctype-refused"
        /// A reference to an entity other than the five XML predefines.
        case undeclaredEntity = "undeclared-entity"
        case tooLarge = "too-large"
        case tooDeep = "too-deep"
        case tooManyNodes = "too-many-nodes"
        case tooManyAttributes = "too-many-attributes"
        case invalidUTF8 = "invalid-utf8"
        /// A character XML 1.0 does not allow (a control character, U+FFFE, U+FFFF).
        case invalidCharacter = "invalid-character"
        case unsupportedEncoding = "unsupported-encoding"
        case unexpectedEnd = "unexpected-end"
        /// Markup that is not well-formed.
        case malformed = "malformed"
        case mismatchedTag = "mismatched-tag"
        case duplicateAttribute = "duplicate-attribute"
        case unboundPrefix = "unbound-prefix"
        case noRootElement = "no-root-element"
        case trailingContent = "trailing-content"
        /// The file could not be read (line and column are 0).
        case unreadable = "unreadable"
    }

    public var code: Code
    public var line: Int
    public var column: Int
    public var message: String

    public init(code: Code, line: Int, column: Int, message: String) {
        self.code = code
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "invalid XML at line \(line), column \(column): \(message)" }
}
