public import CybexCore
public import CybexFormats
import CybexStore

/// Exposure (docs/VULNERABILITIES.md, "Exposure"): which vulnerabilities affect which organisation's
/// inventory, refined by VEX statements, and the remediation duties made of it.
///
/// An organisation's exposure is computed as a reader of that organisation: the vulnerabilities it may
/// read under the sharing policy (the newest version of each it may see) whose affected products name an
/// item of its inventory, decided by the CVE version-status algorithm (``AffectedProduct``). A VEX statement
/// refines it only when the organisation may read it and it was posted by the organisation itself or by
/// an organisation above it (its coordinator, at any depth): a supplier's VEX reaches constituents through
/// the CIRT that imports it, never straight from a third party that could silence a vulnerability.
public struct ExposureService: Sendable {
    let store: any Store
    let collections: CollectionService
    let hasher: PasswordHasher
    let clock: any WallClock

    /// One vulnerability that affects (or may affect) an organisation's inventory.
    public struct Finding: Sendable, Hashable {
        public var vulnerabilityID: String
        public var name: String
        public var cve: String?
        /// A collection the organisation reads it in, and the object there its notification names: the
        /// vulnerability, or for a finding only VEX statements make, the note that holds them.
        public var collectionID: String
        public var notifiedObjectID: String
        public var score: Int?
        /// `affected`, `unknown` (an item's version is not decided), or `not-affected` when VEX statements
        /// settle every matched item.
        public var status: String
        public var products: [RemediationProduct]
    }

    /// What a refresh did.
    public struct Report: Sendable, Hashable {
        public var organisations = 0
        public var findings = 0
        public var created = 0
        public var changed = 0
        public var notified = 0
    }

    /// How many product terms one search asks for.
    static let termsPerSearch = 1_000
    /// The members of a vulnerability exposure reads (its name carries a CVE record's id; its extension the
    /// affected products and the scores): descriptions and references are skipped, not parsed.
    static let matchedMembers: Set<String> = ["id", "name", "created", "extensions"]
    /// How many vulnerabilities one page of a search reads.
    static let pageSize = 5_000
    /// How many chunks the store reads ahead of the matching.
    static let chunksInFlight = 2

    /// The exposure of organisation `id`, when `principal` may read its records (else `.notFound`).
    public func exposure(ofOrganisation id: String, for principal: Principal) async throws -> (Organisation, [Finding]) {
        let profiles = OrganisationProfiles(store: store, hasher: hasher)
        try await profiles.requireAccess(toOrganisation: id, for: principal, write: false)
        guard let organisation = try await store.organisation(id: id) else { throw OrganisationProfiles.notFound(id) }
        return (organisation, try await findings(for: organisation))
    }

    /// The exposure of the organisation named `name`, as the operator reads it.
    public func exposure(organisation name: String) async throws -> (Organisation, [Finding]) {
        let organisation = try await Administration(store: store, actor: "cli").organisation(named: name)
        return (organisation, try await findings(for: organisation))
    }

    /// The findings of `organisation`, by vulnerability name.
    func findings(for organisation: Organisation) async throws -> [Finding] {
        let products = (try await store.inventory(of: organisation.id) ?? []).compactMap(InventoryProduct.init)
        guard !products.isEmpty else { return [] }
        var byKey: [String: [Int]] = [:]
        for (index, product) in products.enumerated() {
            for term in product.terms { byKey[term, default: []].append(index) }
        }
        let searched = try await searchable(as: organisation)
        var findings: [String: Finding] = [:]
        let terms = byKey.keys.sorted()
        func request(chunk start: Int) -> SearchRequest {
            var request = SearchRequest(types: ["vulnerability"], limit: Self.pageSize)
            var filter = VulnerabilityFilter()
            filter.anyTerms = Array(terms[start..<min(start + Self.termsPerSearch, terms.count)])
            request.vulnerability = filter
            return request
        }
        // Two chunks are read by the store while the one before is matched: reading and matching take turns
        // otherwise, and the store's readers run side by side.
        let collections = self.collections
        func fetch(_ start: Int) -> Task<[SearchHit], any Error> {
            let first = request(chunk: start)
            return Task {
                var current = first
                var hits: [SearchHit] = []
                while true {
                    let page = try await collections.search(current, in: searched)
                    hits += page.hits
                    guard page.more, let next = page.resumeAfter else { return hits }
                    current.addedAfter = next
                }
            }
        }
        let starts = Array(stride(from: 0, to: terms.count, by: Self.termsPerSearch))
        var inFlight = starts.prefix(Self.chunksInFlight).map(fetch)
        var following = min(Self.chunksInFlight, starts.count)
        defer { for task in inFlight { task.cancel() } }
        while !inFlight.isEmpty {
            let task = inFlight.removeFirst()
            if following < starts.count {
                inFlight.append(fetch(starts[following]))
                following += 1
            }
            for hit in try await task.value where findings[hit.record.id] == nil {
                guard let object = try? JSONReader.parseObject(hit.record.json, keeping: Self.matchedMembers) else {
                    continue
                }
                if let finding = Self.finding(object, hit: hit, products: products, byKey: byKey) {
                    findings[hit.record.id] = finding
                }
            }
        }
        try await applyVEX(to: &findings, products: products, organisation: organisation, searched: searched)
        return findings.values.sorted { ($0.name, $0.vulnerabilityID) < ($1.name, $1.vulnerabilityID) }
    }

    /// What `object` (a vulnerability) finds in the inventory: each item one of its affected entries names,
    /// with the strongest status its entries give it (affected, then unknown); nil when none is affected or
    /// undecided.
    static func finding(_ object: JSONValue, hit: SearchHit, products: [InventoryProduct], byKey: [String: [Int]])
        -> Finding?
    {
        var statuses: [Int: (status: String, reason: String)] = [:]
        for entry in AffectedProduct.of(object) {
            var candidates: Set<Int> = []
            for key in [entry.product, entry.package ?? ""] + entry.cpeProducts where !key.isEmpty {
                candidates.formUnion(byKey["product:" + key] ?? [])
            }
            for index in candidates where entry.names(products[index]) {
                let decided = entry.status(of: products[index].version)
                guard decided.status == "affected" || decided.status == "unknown" else { continue }
                if statuses[index]?.status != "affected" { statuses[index] = decided }
            }
        }
        guard !statuses.isEmpty else { return nil }
        let facts = VulnerabilityFacts.of(object)
        let matched = statuses.keys.sorted().map { index in
            RemediationProduct(item: products[index].item.value, status: statuses[index]!.status, reason: statuses[index]!.reason)
        }
        return Finding(
            vulnerabilityID: hit.record.id, name: object["name"]?.stringValue ?? facts.cve ?? hit.record.id, cve: facts.cve,
            collectionID: hit.collectionID, notifiedObjectID: hit.record.id, score: facts.score,
            status: matched.contains { $0.status == "affected" } ? "affected" : "unknown", products: matched)
    }

    /// Every collection `organisation`'s readers may read, with its read scope.
    func searchable(as organisation: Organisation) async throws -> [String: ReadScope?] {
        try CollectionService.selected(try await collections.readable(by: Self.reader(of: organisation)), by: SearchRequest())
    }

    static func reader(of organisation: Organisation) -> Principal {
        Principal(
            user: User(
                id: "", username: "exposure", organisationID: organisation.id, role: .reader, passwordHash: "", createdAt: 0),
            organisation: organisation)
    }

    /// The organisation and those above it, nearest first (safe on a cycle).
    func trustedPosters(of organisation: Organisation) async throws -> [Organisation] {
        var chain = [organisation]
        var seen: Set<String> = [organisation.id]
        var next = organisation.parentID
        while let id = next, seen.insert(id).inserted, let parent = try await store.organisation(id: id) {
            chain.append(parent)
            next = parent.parentID
        }
        return chain
    }

    /// The VEX statements that count for `organisation`: in notes it may read, posted by itself or an
    /// organisation above it; with the collection each was read in.
    func statements(for organisation: Organisation, searched: [String: ReadScope?]) async throws
        -> [(VEXStatement, String)]
    {
        var trusted: Set<String> = []  // "id|version" of notes a trusted organisation posted
        for poster in try await trustedPosters(of: organisation) {
            let own = poster.id == organisation.id ? searched : try await searchable(as: poster)
            for hit in try await vexNotes(in: own) where hit.record.viewerOwns {
                trusted.insert("\(hit.record.id)|\(hit.record.version)")
            }
        }
        guard !trusted.isEmpty else { return [] }
        var found: [(VEXStatement, String)] = []
        for hit in try await vexNotes(in: searched) where trusted.contains("\(hit.record.id)|\(hit.record.version)") {
            guard let note = try? JSONReader.parse(hit.record.json) else { continue }
            found += VEXStatement.statements(of: note).map { ($0, hit.collectionID) }
        }
        return found
    }

    func vexNotes(in searched: [String: ReadScope?]) async throws -> [SearchHit] {
        var request = SearchRequest(types: ["note"], limit: Self.pageSize)
        request.vulnerability = VulnerabilityFilter(terms: ["vex"])
        var hits: [SearchHit] = []
        while true {
            let page = try await collections.search(request, in: searched)
            hits += page.hits
            guard page.more, let next = page.resumeAfter else { break }
            request.addedAfter = next
        }
        return hits
    }

    /// Refines `findings` by the VEX statements that count for `organisation`: for each matched item the
    /// newest statement covering it decides (not_affected and fixed settle it, affected makes it affected,
    /// under_investigation unknown); an affected or under_investigation statement covering an item no
    /// vulnerability record matched adds that finding.
    func applyVEX(
        to findings: inout [String: Finding], products: [InventoryProduct], organisation: Organisation,
        searched: [String: ReadScope?]
    ) async throws {
        let statements = try await statements(for: organisation, searched: searched)
        guard !statements.isEmpty else { return }
        var byVulnerability: [String: [(VEXStatement, String)]] = [:]
        for pair in statements { byVulnerability[pair.0.vulnerabilityID, default: []].append(pair) }
        let byValue = Dictionary(products.map { ($0.item.value, $0) }, uniquingKeysWith: { a, _ in a })
        for (id, list) in byVulnerability {
            let newestFirst = list.sorted { $0.0.time > $1.0.time }
            if var finding = findings[id] {
                for index in finding.products.indices {
                    guard let product = byValue[finding.products[index].item],
                        let (statement, _) = newestFirst.first(where: { $0.0.covers(product) })
                    else { continue }
                    finding.products[index].status = Self.status(of: statement)
                    finding.products[index].reason = Self.reason(statement)
                }
                finding.status = Self.overall(finding.products)
                findings[id] = finding
                continue
            }
            // Statements about a vulnerability no record matched: the affected ones add it.
            var matched: [RemediationProduct] = []
            var source = (collection: "", note: "")
            for product in products {
                guard let (statement, collection) = newestFirst.first(where: { $0.0.covers(product) }),
                    statement.status == "affected" || statement.status == "under_investigation"
                else { continue }
                matched.append(
                    RemediationProduct(
                        item: product.item.value, status: Self.status(of: statement), reason: Self.reason(statement)))
                source = (collection, statement.noteID)
            }
            guard !matched.isEmpty, let first = newestFirst.first?.0 else { continue }
            let cve = VulnerabilityFacts.isCVEID(first.vulnerability.uppercased()) ? first.vulnerability.uppercased() : nil
            findings[id] = Finding(
                vulnerabilityID: id, name: cve ?? first.vulnerability, cve: cve, collectionID: source.collection,
                notifiedObjectID: source.note, score: nil,
                status: Self.overall(matched), products: matched)
        }
    }

    static func status(of statement: VEXStatement) -> String {
        switch statement.status {
        case "not_affected": "not-affected"
        case "fixed": "fixed"
        case "affected": "affected"
        default: "unknown"
        }
    }

    static func reason(_ statement: VEXStatement) -> String {
        var text = "VEX \(statement.status)"
        if let justification = statement.justification { text += " (\(justification))" }
        if let detail = statement.detail { text += ": " + String(detail.prefix(200)) }
        return text + " [\(statement.noteID)]"
    }

    static func overall(_ products: [RemediationProduct]) -> String {
        if products.contains(where: { $0.status == "affected" }) { return "affected" }
        if products.contains(where: { $0.status == "unknown" }) { return "unknown" }
        return "not-affected"
    }
}

extension Engine {
    /// Exposure of inventories to vulnerabilities, timed by `clock` (the duties it makes are due by it).
    public func exposure(clock: any WallClock = SystemWallClock()) -> ExposureService {
        ExposureService(store: store, collections: collections, hasher: hasher, clock: clock)
    }
}

extension ExposureService.Finding {
    /// The finding as the REST API and `cybex exposure --json` write it.
    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("vulnerability", .string(vulnerabilityID)), ("name", .string(name)),
        ]
        if let cve { members.append(("cve", .string(cve))) }
        if let score { members.append(("score", .number("\(score / 10).\(score % 10)"))) }
        members += [
            ("status", .string(status)), ("collection", .string(collectionID)), ("products", .array(products.map(\.json))),
        ]
        return .object(members)
    }
}
