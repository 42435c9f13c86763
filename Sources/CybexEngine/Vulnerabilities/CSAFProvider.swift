import Crypto
public import CybexCore
public import CybexFormats
import CybexStore
import Foundation

/// CSAF provider mode (docs/VULNERABILITIES.md, "CSAF provider"): advisories the node publishes — checked and
/// ingested as every CSAF document is, and kept byte for byte with their SHA-256 and SHA-512 — served under
/// `/.well-known/csaf/` as CSAF 2.0's directory and ROLIE distributions describe (§7.1: provider metadata,
/// one folder per TLP label and year, `index.txt`, `changes.csv`, hash files, a ROLIE feed per TLP label).
/// Who may read a document is the sharing policy's answer for the STIX report it was ingested as; without
/// credentials, only TLP:WHITE documents, and only when the node opens CSAF to anonymous readers.
public struct CSAFProvider: Sendable {
    let store: any Store
    let collections: CollectionService
    let clock: any WallClock

    /// Who publishes, as provider-metadata.json names it.
    public struct Publisher: Sendable, Hashable {
        public var name: String
        public var namespace: String
        /// coordinator, discoverer, other, translator, user or vendor.
        public var category: String

        public init(name: String, namespace: String, category: String = "coordinator") {
            self.name = name
            self.namespace = namespace
            self.category = category
        }
    }

    /// The TLP folders, in the order feeds are listed.
    public static let folders = ["white", "green", "amber", "red", "unlabeled"]

    /// Publishes `bytes` into `collectionID` as the principal's organisation: checked (``CSAFAdvisories``),
    /// ingested (a report, its vulnerabilities, its VEX statements), then kept for serving; audited
    /// (`csaf.publish`). `.conflict` when as new a release of the advisory is already published.
    public func publish(_ bytes: [UInt8], to collectionID: String, by principal: Principal) async throws
        -> (PublishedAdvisory, IngestReport)
    {
        let view = try await collections.writableCollection(id: collectionID, for: principal)
        let document = try await CSAFAdvisories(store: store).validate(bytes)
        let report = try await collections.add(CSAFAdvisories.bundle(document), as: .bundle, to: view, by: principal)
        let advisory = try await keep(
            bytes, document, collectionID: collectionID, ownerID: principal.organisation.id, actor: principal.user.username)
        return (advisory, report)
    }

    /// The operator's publication (`cybex csaf publish`), through the import's owner.
    public func publish(_ bytes: [UInt8], with run: OperatorImport, actor: String) async throws -> (
        PublishedAdvisory, IngestReport
    ) {
        let document = try await CSAFAdvisories(store: store).validate(bytes)
        let report = try await run.importDocument(
            try STIXBundleDecoder.parse(CSAFAdvisories.bundle(document), as: .bundle), label: document.fileName)
        let advisory = try await keep(bytes, document, collectionID: run.collection.id, ownerID: run.owner.id, actor: actor)
        return (advisory, report)
    }

    func keep(_ bytes: [UInt8], _ document: CSAFDocument, collectionID: String, ownerID: String, actor: String) async throws
        -> PublishedAdvisory
    {
        let tracking = document.json["document"]?["tracking"]
        let initial = tracking?["initial_release_date"]?.stringValue.flatMap(IODEFTime.microseconds) ?? 0
        let current = tracking?["current_release_date"]?.stringValue.flatMap(IODEFTime.microseconds) ?? initial
        let year =
            Calendar(identifier: .gregorian).dateComponents(
                in: TimeZone(identifier: "UTC")!, from: Date(timeIntervalSince1970: Double(initial) / 1_000_000)
            ).year ?? 1970
        let reportID = CSAFSTIX.objects(for: document).first?["id"]?.stringValue ?? ""
        let now = clock.nowMicroseconds()
        let advisory = PublishedAdvisory(
            reportID: reportID, collectionID: collectionID, ownerID: ownerID, tlp: document.tlpLabel ?? "UNLABELED",
            path: "\(year)/\(document.fileName)", trackingID: document.trackingID, currentRelease: current,
            sha256: Self.hex(SHA256.hash(data: bytes)), sha512: Self.hex(SHA512.hash(data: bytes)), published: now,
            document: bytes)
        do {
            try await store.publishAdvisory(
                advisory,
                audit: [
                    AuditEvent(
                        time: now, actor: actor, action: "csaf.publish", target: reportID,
                        detail: "\(advisory.folder)/\(advisory.path) (\(document.trackingID))")
                ])
        } catch let error as StoreError where error.code == .conflict {
            throw EngineError(.conflict, error.message)
        }
        return advisory
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Serving

    /// Whether `principal` (nil: a request without credentials) may read `advisory`: the sharing policy's
    /// answer for its report; anonymously, a TLP:WHITE advisory when `anonymous` allows it.
    func mayRead(_ advisory: PublishedAdvisory, _ principal: Principal?, anonymous: Bool) async throws -> Bool {
        guard let principal, !principal.isAnonymous else { return anonymous && advisory.tlp == "WHITE" }
        do {
            let page = try await collections.objects(
                in: advisory.collectionID,
                matching: ObjectQuery(ids: [advisory.reportID], versions: .last, limit: 1, withContent: false), for: principal)
            return !page.records.isEmpty
        } catch let error as EngineError where error.code == .notFound || error.code == .forbidden {
            return false
        }
    }

    /// The advisories of TLP folder `folder` that `principal` may read, newest release first.
    public func advisories(in folder: String, for principal: Principal?, anonymous: Bool) async throws -> [PublishedAdvisory] {
        var visible: [PublishedAdvisory] = []
        for advisory in try await store.publishedAdvisories() where advisory.folder == folder {
            if try await mayRead(advisory, principal, anonymous: anonymous) { visible.append(advisory) }
        }
        return visible
    }

    /// The advisory at `folder/path` when `principal` may read it; `.notFound` otherwise (absent and refused
    /// look alike).
    public func advisory(in folder: String, path: String, for principal: Principal?, anonymous: Bool) async throws
        -> PublishedAdvisory
    {
        guard Self.folders.contains(folder),
            let advisory = try await store.publishedAdvisory(tlp: folder.uppercased(), path: path),
            try await mayRead(advisory, principal, anonymous: anonymous)
        else { throw EngineError(.notFound, "no advisory at \(folder)/\(path)") }
        return advisory
    }

    /// `provider-metadata.json` (§7.1.7): the publisher, role `csaf_provider`, a directory distribution and a
    /// ROLIE feed per TLP folder that holds an advisory.
    public func metadata(publisher: Publisher, baseURL: String) async throws -> JSONValue {
        let published = try await store.publishedAdvisories()
        let folders = Self.folders.filter { folder in published.contains { $0.folder == folder } }
        let root = baseURL + "/.well-known/csaf"
        let updated = published.map(\.published).max() ?? clock.nowMicroseconds()
        var distributions: [JSONValue] = folders.map { .object([("directory_url", .string("\(root)/\($0)/"))]) }
        if !folders.isEmpty {
            distributions.append(
                .object([
                    (
                        "rolie",
                        .object([
                            (
                                "feeds",
                                .array(
                                    folders.map { folder in
                                        .object([
                                            ("summary", .string("Advisories at TLP:\(folder.uppercased())")),
                                            ("tlp_label", .string(folder.uppercased())),
                                            ("url", .string("\(root)/\(folder)/feed-tlp-\(folder).json")),
                                        ])
                                    })
                            )
                        ])
                    )
                ]))
        }
        return .object([
            ("canonical_url", .string("\(root)/provider-metadata.json")),
            ("distributions", .array(distributions)),
            ("last_updated", .string(STIXTimestamp.format(microseconds: updated, fractionDigits: 0))),
            ("list_on_CSAF_aggregators", .bool(true)), ("metadata_version", .string("2.0")),
            ("mirror_on_CSAF_aggregators", .bool(true)),
            (
                "publisher",
                .object([
                    ("category", .string(publisher.category)), ("name", .string(publisher.name)),
                    ("namespace", .string(publisher.namespace)),
                ])
            ),
            ("role", .string("csaf_provider")),
        ])
    }

    /// `index.txt` (§7.1.13): one path per line.
    public static func index(_ advisories: [PublishedAdvisory]) -> String {
        advisories.map { $0.path + "\n" }.joined()
    }

    /// `changes.csv` (§7.1.14): `"path","current release"`, newest first.
    public static func changes(_ advisories: [PublishedAdvisory]) -> String {
        advisories.sorted { $0.currentRelease > $1.currentRelease }.map {
            "\"\($0.path)\",\"\(STIXTimestamp.format(microseconds: $0.currentRelease, fractionDigits: 0))\"\n"
        }.joined()
    }

    /// The ROLIE feed of a TLP folder (§7.1.15).
    public static func feed(_ advisories: [PublishedAdvisory], folder: String, baseURL: String) -> JSONValue {
        let root = "\(baseURL)/.well-known/csaf/\(folder)"
        let time = { (microseconds: Int64) in
            JSONValue.string(STIXTimestamp.format(microseconds: microseconds, fractionDigits: 0))
        }
        return .object([
            (
                "feed",
                .object([
                    ("id", .string("cybex-csaf-feed-tlp-\(folder)")),
                    ("title", .string("CSAF advisories at TLP:\(folder.uppercased())")),
                    (
                        "link",
                        .array([.object([("rel", .string("self")), ("href", .string("\(root)/feed-tlp-\(folder).json"))])])
                    ),
                    (
                        "category",
                        .array([
                            .object([
                                ("scheme", .string("urn:ietf:params:rolie:category:information-type")), ("term", .string("csaf")),
                            ])
                        ])
                    ),
                    ("updated", time(advisories.map(\.published).max() ?? 0)),
                    (
                        "entry",
                        .array(
                            advisories.map { advisory in
                                let url = "\(root)/\(advisory.path)"
                                return .object([
                                    ("id", .string(advisory.trackingID)), ("title", .string(advisory.trackingID)),
                                    (
                                        "link",
                                        .array([
                                            .object([("rel", .string("self")), ("href", .string(url))]),
                                            .object([("rel", .string("hash")), ("href", .string(url + ".sha256"))]),
                                            .object([("rel", .string("hash")), ("href", .string(url + ".sha512"))]),
                                        ])
                                    ),
                                    ("published", time(advisory.published)), ("updated", time(advisory.currentRelease)),
                                    ("content", .object([("type", .string("application/json")), ("src", .string(url))])),
                                    (
                                        "format",
                                        .object([
                                            (
                                                "schema",
                                                .string("https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json")
                                            ),
                                            ("version", .string("2.0")),
                                        ])
                                    ),
                                ])
                            })
                    ),
                ])
            )
        ])
    }
}

extension Engine {
    /// CSAF provider mode: publication and the documents served under `/.well-known/csaf/`.
    public func csafProvider(clock: any WallClock = SystemWallClock()) -> CSAFProvider {
        CSAFProvider(store: store, collections: collections, clock: clock)
    }
}
