/// A CSAF document the node publishes in provider mode (docs/VULNERABILITIES.md, "CSAF provider"): the exact
/// bytes received, where they are served (`TLP/YEAR/FILE`), their hashes, and the STIX report that stands
/// for them, whose visibility under the sharing policy decides who may read the document.
public struct PublishedAdvisory: Sendable, Hashable {
    /// The STIX report the document was ingested as.
    public var reportID: String
    public var collectionID: String
    public var ownerID: String
    /// The document's TLP label (`WHITE`, `GREEN`, `AMBER`, `RED`), or `UNLABELED`.
    public var tlp: String
    /// The path under the TLP folder: `YEAR/FILE` (the year of the initial release, §5.1's file name).
    public var path: String
    public var trackingID: String
    /// The current release date, microseconds.
    public var currentRelease: Int64
    /// Lower-case hexadecimal digests of the bytes.
    public var sha256: String
    public var sha512: String
    /// When the node published this version, microseconds.
    public var published: Int64
    /// The document as received; empty in listings.
    public var document: [UInt8]

    public init(
        reportID: String, collectionID: String, ownerID: String, tlp: String, path: String, trackingID: String,
        currentRelease: Int64, sha256: String, sha512: String, published: Int64, document: [UInt8]
    ) {
        self.reportID = reportID
        self.collectionID = collectionID
        self.ownerID = ownerID
        self.tlp = tlp
        self.path = path
        self.trackingID = trackingID
        self.currentRelease = currentRelease
        self.sha256 = sha256
        self.sha512 = sha512
        self.published = published
        self.document = document
    }

    /// The folder a TLP label is served from (`white`, `green`, `amber`, `red`, `unlabeled`).
    public var folder: String { tlp.lowercased() }
}
