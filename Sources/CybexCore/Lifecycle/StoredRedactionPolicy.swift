/// A redaction policy as the node keeps it: the policy document (JSON, see SECURITY.md, "PII
/// redaction and granular markings") and the pseudonymisation key generated for it.
public struct StoredRedactionPolicy: Sendable, Hashable {
    /// A UUID, lower-case.
    public var id: String
    /// Unique among redaction policies (the document's `name`).
    public var name: String
    /// `peer`, `export` or `public`.
    public var destination: String
    /// The policy document, JSON.
    public var document: String
    /// The HMAC key of its pseudonyms: 32 random bytes. Whoever holds it can test guesses of
    /// pseudonymised values, so it never leaves the node.
    public var key: [UInt8]
    public var createdAt: Int64

    public init(id: String, name: String, destination: String, document: String, key: [UInt8], createdAt: Int64) {
        self.id = id
        self.name = name
        self.destination = destination
        self.document = document
        self.key = key
        self.createdAt = createdAt
    }
}
