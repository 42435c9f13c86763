public import CybexCore

/// A RID message (RFC 6545 section 5, ITU-T X.1580): the `RID` envelope with its `RIDPolicy`
/// (what the message is, where it goes, what it is about), the `RequestStatus` of an
/// Acknowledgement, the `IncidentSource` of a Result, and the IODEF document carried in
/// `RIDPolicy/ReportSchema/XMLDocument`.
///
/// RFC 6545 pairs RID with IODEF 1.0; Cybex carries IODEF v2 (RFC 7970) documents, declared as
/// `XMLSchemaID="ext-value" ext-XMLSchemaID="urn:ietf:params:xml:ns:iodef-2.0"` as the RID schema
/// allows. The `Node` and `IncidentID` of RIDPolicy and IncidentSource are IODEF 1.0 classes,
/// written in that namespace and read in either.
///
/// ```swift
/// var message = RIDMessage(type: .traceRequest, node: RIDNode(addresses: ["192.0.2.7"]))
/// message.incident = RIDIncidentID(name: "csirt.example", id: "CSIRT-2026-7")
/// let bytes = message.xml()
/// let back = try RIDMessage.read(bytes)   // RIDError with line and column when refused
/// ```
public struct RIDMessage: Sendable, Equatable {
    public var type: RIDMessageType
    /// `RIDSystem` (the next RID system) or `SourceOfIncident` (the source's own network).
    public var destination: String
    /// The `restriction` of the RIDPolicy (an IODEF restriction), if stated.
    public var restriction: String?
    /// The PolicyRegion `region` values, at least one.
    public var regions: [String]
    /// The RIDPolicy's Node: the next RID system, or the source of the incident.
    public var node: RIDNode
    /// The TrafficType `type` values, at least one.
    public var trafficTypes: [String]
    public var incident: RIDIncidentID?
    /// The IODEF v2 document carried in ReportSchema, when there is one Cybex reads.
    public var document: IODEFDocument?
    /// The namespace of a carried document Cybex does not read (an IODEF 1.0 document, say): RFC
    /// 6545 section 5.6 has such a document ignored and the rest of the message processed.
    public var unreadDocument: String?
    /// An Acknowledgement's RequestStatus.
    public var status: RIDRequestStatus?
    /// A Result's IncidentSource.
    public var source: RIDIncidentSource?
    /// The envelope's `lang`.
    public var lang: String

    public init(
        type: RIDMessageType, destination: String = "RIDSystem", regions: [String] = ["PeerToPeer"], node: RIDNode,
        trafficTypes: [String] = ["Attack"], incident: RIDIncidentID? = nil, document: IODEFDocument? = nil,
        lang: String = "en"
    ) {
        self.type = type
        self.destination = destination
        self.restriction = nil
        self.regions = regions
        self.node = node
        self.trafficTypes = trafficTypes
        self.incident = incident
        self.document = document
        self.unreadDocument = nil
        self.status = nil
        self.source = nil
        self.lang = lang
    }
}

/// An IODEF 1.0 `Node`, as RIDPolicy and IncidentSource use it: names and addresses.
public struct RIDNode: Sendable, Equatable {
    public var names: [String]
    /// Addresses with their IODEF category (`ipv4-addr`, `ipv6-addr`, ...).
    public var addresses: [RIDAddress]

    public init(names: [String] = [], addresses: [RIDAddress] = []) {
        self.names = names
        self.addresses = addresses
    }

    /// A node of `addresses`, each categorised as IPv4 or IPv6 by its form.
    public init(names: [String] = [], addresses: [String]) {
        self.names = names
        self.addresses = addresses.map { RIDAddress($0) }
    }
}

public struct RIDAddress: Sendable, Equatable {
    public var category: String
    public var value: String

    public init(category: String, value: String) {
        self.category = category
        self.value = value
    }

    /// `value` as an `ipv6-addr` when it holds a colon, else an `ipv4-addr`.
    public init(_ value: String) {
        self.init(category: value.contains(":") ? "ipv6-addr" : "ipv4-addr", value: value)
    }
}

/// An IODEF `IncidentID`: the issuing CSIRT's name and the id it gave.
public struct RIDIncidentID: Sendable, Hashable {
    public var name: String
    public var id: String

    public init(name: String, id: String) {
        self.name = name
        self.id = id
    }
}

/// An Acknowledgement's `RequestStatus` (the state machine's value, as written on the wire).
public typealias RIDRequestStatus = RIDRequestStatusValue

/// A Result's `IncidentSource`: whether the source was found, and where.
public struct RIDIncidentSource: Sendable, Equatable {
    public var found: Bool
    public var nodes: [RIDNode]

    public init(found: Bool, nodes: [RIDNode] = []) {
        self.found = found
        self.nodes = nodes
    }
}

/// Why a RID message was refused, and where.
public struct RIDError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    /// Whether the bytes were over a bound rather than wrong.
    public var tooLarge: Bool

    public init(line: Int = 0, column: Int = 0, _ message: String, tooLarge: Bool = false) {
        self.line = line
        self.column = column
        self.message = message
        self.tooLarge = tooLarge
    }

    public var description: String {
        "invalid RID message: " + (line > 0 ? "line \(line), column \(column): \(message)" : message)
    }
}

/// The RID schema's names and vocabularies (RFC 6545 section 8).
public enum RID {
    public static let namespace = "urn:ietf:params:xml:ns:iodef-rid-2.0"
    /// The IODEF namespace of RIDPolicy's Node and IncidentID (RFC 6545 imports IODEF 1.0).
    public static let iodef1Namespace = "urn:ietf:params:xml:ns:iodef-1.0"
    /// The media type RFC 6546 section 3 requires of requests and responses.
    public static let mediaType = "text/xml"
    /// The port RFC 6546 registers for RID over HTTP/TLS.
    public static let port = 4590
    /// A message is an IODEF document with an envelope: the same bounds.
    public static let limits = IODEF.limits

    public static let destinations: Set<String> = ["RIDSystem", "SourceOfIncident", "ext-value"]
    public static let regions: Set<String> = [
        "ClientToSP", "SPToClient", "IntraConsortium", "PeerToPeer", "BetweenConsortiums", "ext-value",
    ]
    public static let trafficTypes: Set<String> = [
        "Attack", "Network", "Content", "DataWithHandlingRequirements", "AudienceRestriction", "Other", "ext-value",
    ]
    public static let authorizations: Set<String> = ["Approved", "Denied", "Pending", "ext-value"]
    public static let justifications: Set<String> = [
        "SystemResource", "Authentication", "AuthenticationOrigin", "Encryption", "UnrecognizedFormat", "CannotProcess",
        "Other", "ext-value",
    ]
    /// IODEF's restriction-type (IODEF 1.0 and v2 alike where RID uses it).
    public static let restrictions: Set<String> = [
        "default", "public", "need-to-know", "private", "partner", "red", "amber", "green", "white", "ext-value",
    ]

    static func name(_ local: String) -> XMLTree.Name { XMLTree.Name(local, namespace: namespace) }
}
