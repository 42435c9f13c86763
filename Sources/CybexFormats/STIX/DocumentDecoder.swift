/// Turns a document of one format into STIX objects with their markings and recipients, ready for
/// the one ingest entry (`Ingestor.ingest(_:decoder:…)`). The STIX forms (bundle, TAXII envelope,
/// single object, JSON Lines) are ``STIXDocumentDecoder``; the codecs to come (IODEF, CSAF, CVE,
/// MISP, CSV) conform by producing STIX 2.1 objects.
public protocol DocumentDecoder: Sendable {
    /// The format's name, as `cybex import --format` and logs give it.
    var format: String { get }
    /// Reads the whole document; throws when it is unusable as a whole (nothing is then stored).
    func decode(_ bytes: [UInt8]) throws -> ParsedDocument
}

/// The STIX 2.1 document forms, read by ``STIXBundleDecoder``.
public struct STIXDocumentDecoder: DocumentDecoder {
    public var container: STIXBundleDecoder.Container
    public var limits: STIXBundleDecoder.Limits

    public init(_ container: STIXBundleDecoder.Container, limits: STIXBundleDecoder.Limits = .init()) {
        self.container = container
        self.limits = limits
    }

    public var format: String {
        switch container {
        case .bundle: "stix-bundle"
        case .envelope: "taxii-envelope"
        case .object: "stix-object"
        case .jsonLines: "stix-jsonl"
        case .automatic: "stix"
        }
    }

    public func decode(_ bytes: [UInt8]) throws -> ParsedDocument {
        try STIXBundleDecoder.parse(bytes, as: container, limits: limits)
    }
}
