public import CybexCore
import CybexFormats
import CybexStore

/// Organisations' constituencies — the networks, AS numbers and domains each is responsible for —
/// read and changed under ``OrganisationRecordPolicy`` (a constituency is a record of the
/// organisation, as its profile is): the REST API with a principal, the command line as the
/// operator. Every change is audited (`organisation.set-constituency`, `organisation.add-constituency`)
/// in its own transaction, with the counts, not the values.
public struct Constituencies: Sendable {
    let store: any Store
    let profiles: OrganisationProfiles

    init(store: any Store, hasher: PasswordHasher) {
        self.store = store
        self.profiles = OrganisationProfiles(store: store, hasher: hasher)
    }

    /// An organisation's constituency as a principal sees it.
    public struct View: Sendable, Hashable {
        public var organisation: Organisation
        public var entries: [ConstituencyEntry]
        public var mayWrite: Bool
    }

    /// The constituency of organisation `id`, when `principal` may read its records (else `.notFound`,
    /// as for an organisation that does not exist).
    public func constituency(ofOrganisation id: String, for principal: Principal) async throws -> View {
        let access = try await profiles.requireAccess(toOrganisation: id, for: principal, write: false)
        guard let organisation = try await store.organisation(id: id), let entries = try await store.constituency(of: id)
        else { throw OrganisationProfiles.notFound(id) }
        return View(organisation: organisation, entries: entries, mayWrite: access.mayWrite)
    }

    /// Adds `entries` to the constituency of organisation `id` or, with `replacing`, makes them all of
    /// it, as `principal` (`.notFound` / `.forbidden` as for its profile).
    public func update(
        ofOrganisation id: String, with entries: [ConstituencyEntry], replacing: Bool, by principal: Principal
    ) async throws -> ConstituencyChange {
        try await profiles.requireAccess(toOrganisation: id, for: principal, write: true)
        guard let organisation = try await store.organisation(id: id) else { throw OrganisationProfiles.notFound(id) }
        return try await Self.update(
            organisation, with: entries, replacing: replacing, store: store, actor: principal.user.username)
    }

    /// The operator's change of the constituency of the organisation named `name` (the command line).
    public func update(organisation name: String, with entries: [ConstituencyEntry], replacing: Bool, actor: String)
        async throws -> ConstituencyChange
    {
        let organisation = try await Administration(store: store, actor: actor).organisation(named: name)
        return try await Self.update(organisation, with: entries, replacing: replacing, store: store, actor: actor)
    }

    /// The constituency of the organisation named `name`, as the operator reads it.
    public func constituency(organisation name: String) async throws -> (Organisation, [ConstituencyEntry]) {
        let organisation = try await Administration(store: store, actor: "cli").organisation(named: name)
        return (organisation, try await store.constituency(of: organisation.id) ?? [])
    }

    static func update(
        _ organisation: Organisation, with entries: [ConstituencyEntry], replacing: Bool, store: any Store, actor: String
    ) async throws -> ConstituencyChange {
        guard entries.count <= ConstituencyEntry.maxEntries else {
            throw EngineError(.invalidArgument, "at most \(ConstituencyEntry.maxEntries) entries at once, not \(entries.count)")
        }
        let action = replacing ? "organisation.set-constituency" : "organisation.add-constituency"
        do {
            return try await store.updateConstituency(of: organisation.id, with: entries, replacing: replacing) { change in
                [
                    AuditEvent(
                        time: SystemWallClock.nowMicroseconds(), actor: actor, action: action, target: organisation.id,
                        detail: "\(organisation.name): \(change.added) added, \(change.removed) removed, \(change.total) entries")
                ]
            }
        } catch let error as StoreError where error.code == .notFound {
            throw OrganisationProfiles.notFound(organisation.id)
        } catch let error as StoreError where error.code == .invalidArgument {
            throw EngineError(.invalidArgument, error.message)
        }
    }
}

/// Offline enrichment tables (ip2asn, RIR statistics): loaded and removed by the administrator,
/// audited (`enrichment.load`, `enrichment.remove`); read by traces.
public struct EnrichmentTables: Sendable {
    let store: any Store

    /// The longest source name.
    public static let maxNameLength = 64

    /// Replaces source `name` (default: the format's name) with what `files` hold, read as `format`;
    /// nothing is loaded when one of them is malformed (`.invalidArgument` naming the file and line).
    public func load(format: EnrichmentFormat, files: [(name: String, bytes: [UInt8])], source name: String?, actor: String)
        async throws -> EnrichmentSource
    {
        let source = name ?? format.rawValue
        guard !source.isEmpty, source.count <= Self.maxNameLength,
            source.unicodeScalars.allSatisfy({
                $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
            })
        else {
            throw EngineError(
                .invalidArgument, "a source name is 1 to \(Self.maxNameLength) letters, digits, '-', '_' or '.'")
        }
        var table = EnrichmentTable()
        for file in files {
            do {
                let read = try EnrichmentReader.read(file.bytes, format: format)
                table.ranges += read.ranges
                table.asns += read.asns
            } catch {
                throw EngineError(.invalidArgument, "\(file.name): \(error.message)")
            }
        }
        let time = SystemWallClock.nowMicroseconds()
        let detail =
            "\(format.rawValue): \(table.ranges.count) address ranges, \(table.asns.count) AS ranges from \(files.count) file(s)"
        try await store.replaceEnrichment(
            source: source, format: format, table: table, at: time,
            audit: [AuditEvent(time: time, actor: actor, action: "enrichment.load", target: source, detail: detail)])
        return try await store.enrichmentSources().first { $0.name == source }
            ?? EnrichmentSource(name: source, format: format, loaded: time, ranges: table.ranges.count, asns: table.asns.count)
    }

    /// Removes source `name`; `.notFound` when there is none.
    public func remove(source name: String, actor: String) async throws {
        let event = AuditEvent(time: SystemWallClock.nowMicroseconds(), actor: actor, action: "enrichment.remove", target: name)
        guard try await store.removeEnrichment(source: name, audit: [event]) else {
            throw EngineError(.notFound, "no enrichment source named '\(ControlCharacters.escaped(name))'")
        }
    }

    /// Every loaded source.
    public func sources() async throws -> [EnrichmentSource] {
        try await store.enrichmentSources()
    }
}
