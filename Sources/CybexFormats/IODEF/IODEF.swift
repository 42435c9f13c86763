/// IODEF v2 (RFC 7970, ITU-T X.1541): the names and limits Cybex reads and writes it with.
public enum IODEF {
    /// The IODEF v2 namespace.
    public static let namespace = "urn:ietf:params:xml:ns:iodef-2.0"
    /// RFC 7203's structured cybersecurity information (`sci:AttackPattern`, …) in `Method`.
    public static let sciNamespace = "urn:ietf:params:xml:ns:iodef-sci-1.0"
    /// RFC 7495's enumeration reference (`enum:ReferenceName`) in `Reference`.
    public static let enumNamespace = "urn:ietf:params:xml:ns:iodef-enum-1.0"
    /// XML Signature (`ds:DigestMethod`, `ds:Signature`, …) in hashes and signatures.
    public static let signatureNamespace = "http://www.w3.org/2000/09/xmldsig#"
    /// The version every IODEF v2 document states.
    public static let version = "2.00"

    /// The prefixes Cybex writes the imported namespaces with (and names them by in the JSON form).
    public static let prefixes: [String: String] = [sciNamespace: "sci", enumNamespace: "enum", signatureNamespace: "ds"]

    /// The bounds an IODEF document is read within: 16 MiB, 64 levels, 250,000 nodes.
    public static let limits = XMLLimits(maxBytes: 16 << 20, maxDepth: 64, maxNodes: 250_000)

    /// The name of an element of the IODEF namespace.
    public static func name(_ local: String) -> XMLTree.Name { XMLTree.Name(local, namespace: namespace) }
}

/// Why an IODEF document was refused: the XML was not well-formed or not within bounds, or the
/// document is not valid IODEF v2. Each problem has its place (1-based line and column; 0 when the
/// document was built in code or the file could not be read).
public struct IODEFError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Not well-formed XML, or over a bound (the XML error is in the message).
        case xml
        /// The root is not an `IODEF-Document` in the IODEF v2 namespace, or states another version.
        case notIODEF = "not-iodef"
        case unknownElement = "unknown-element"
        case missingAttribute = "missing-attribute"
        case missingElement = "missing-element"
        case invalidValue = "invalid-value"
        /// An element that holds text where the RFC allows only elements, or elements where only text.
        case invalidContent = "invalid-content"
    }

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var code: Code
        public var line: Int
        public var column: Int
        public var message: String

        public var description: String { line > 0 ? "line \(line), column \(column): \(message)" : message }
    }

    /// The problems found (at most 20 are kept; `message` says when there were more).
    public var problems: [Problem]
    /// How many problems there were in all.
    public var count: Int

    public var code: Code { problems.first?.code ?? .xml }

    init(_ problems: [Problem], count: Int? = nil) {
        self.problems = problems
        self.count = count ?? problems.count
    }

    /// The error for a document that was not well-formed XML, or could not be read.
    public init(xml: XMLError) {
        self.init(xml)
    }

    init(_ xml: XMLError) {
        self.init([Problem(code: .xml, line: xml.line, column: xml.column, message: xml.message)])
    }

    public var description: String {
        var text = "invalid IODEF: " + problems.map(\.description).joined(separator: "; ")
        if count > problems.count { text += "; and \(count - problems.count) more" }
        return text
    }
}
