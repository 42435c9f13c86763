/// Another RID system this node exchanges messages with (RFC 6545, RFC 6546; docs/RID.md): where
/// to post to it, which client certificates are it, which organisation of this node stands for
/// it under the sharing policy, and what it may send.
///
/// The federation work reuses the registry: a peer is a node, not a user.
public struct RIDPeer: Sendable, Hashable, Codable {
    /// The peer's name on this node, unique (letters, digits, `.`, `-`, `_`).
    public var name: String
    /// The organisation that stands for the peer: what it may be told is what that organisation
    /// may read, and what it sends is posted as that organisation.
    public var organisationID: String
    /// The `https` URL its RID listener takes messages at.
    public var endpoint: String
    /// SHA-256 fingerprints of the DER client certificates it presents, lower-case hex.
    public var fingerprints: [String]
    /// The collection the incidents it sends are stored in (its organisation must be a writer).
    public var collectionID: String
    /// The organisation of this node that handles the cases its messages open.
    public var handlerID: String
    /// The messages it may send this node; others are refused.
    public var accepts: [RIDMessageType]
    /// Microseconds since the epoch.
    public var created: Int64

    public init(
        name: String, organisationID: String, endpoint: String, fingerprints: [String], collectionID: String,
        handlerID: String, accepts: [RIDMessageType] = RIDMessageType.allCases, created: Int64
    ) {
        self.name = name
        self.organisationID = organisationID
        self.endpoint = endpoint
        self.fingerprints = fingerprints
        self.collectionID = collectionID
        self.handlerID = handlerID
        self.accepts = accepts
        self.created = created
    }

    /// Whether `name` is a peer name: 1 to 64 of letters, digits, `.`, `-` and `_`.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }

    /// `text` as a fingerprint (64 hex digits, colons and case ignored), or nil.
    public static func fingerprint(_ text: String) -> String? {
        let hex = text.lowercased().filter { $0 != ":" }
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            return nil
        }
        return hex
    }
}

/// The RID message types (RFC 6545 section 4.2, `RIDPolicy@MsgType`): a Request is a
/// `TraceRequest` (find an unknown or spoofed source, hop by hop) or an `InvestigationRequest` (act
/// on a source believed real).
public enum RIDMessageType: String, Sendable, Hashable, Codable, CaseIterable {
    case traceRequest = "TraceRequest"
    case investigationRequest = "InvestigationRequest"
    /// Answers a Request or a Query with a status: approved, denied, pending.
    case acknowledgement = "Acknowledgement"
    /// The outcome of a Request.
    case result = "Result"
    /// Incident information sent unasked, or in answer to a Query.
    case report = "Report"
    /// Asks about an incident exchanged before, by its IncidentID.
    case query = "Query"

    /// Whether this is a Request (a trace or an investigation).
    public var isRequest: Bool { self == .traceRequest || self == .investigationRequest }
}
