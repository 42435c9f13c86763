public import CybexCore
public import CybexFormats
import CybexStore
import Foundation
import Metrics

/// What one pull did.
public struct FeedPullReport: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        /// The feed answered and its objects were stored.
        case stored
        /// The feed answered 304: nothing changed since the last pull.
        case notModified = "not-modified"
        /// The pull failed; nothing of it was stored (``FeedState/lastError`` says why).
        case failed
    }

    public var feed: String
    public var outcome: Outcome
    /// Values read (csv, list) or objects received (misp, taxii).
    public var values: Int
    /// Object versions stored (new indicators, new sighting versions, new objects).
    public var added: Int
    public var error: String?
}

/// Feeds (issue 15 item 6): added and removed by the administrator, pulled on a schedule by the
/// `feeds` job (once per due feed across every `serve` process on the database, under the job's
/// lease) or at once (`cybex feed pull`). A pull sends the last answer's validators
/// (`If-None-Match`, `If-Modified-Since`), reads the whole answer, turns it into STIX objects with a
/// ``DocumentDecoder``-shaped codec of Formats and stores them through the one ingest entry, as the
/// feed's owner, in one transaction with its `feed.pull` audit entry. A malformed answer stores
/// nothing of that pull and is the feed's health error; each failure doubles the wait before the
/// next pull (at most a day). A value listed again updates the one sighting of its feed and
/// indicator (count, last seen) instead of making a copy.
///
/// Metrics (dimension `feed`): `cybex_feed_pulls_total` (and `outcome`), `cybex_feed_failing`
/// (1 while the last pull failed), `cybex_feed_last_success_timestamp_seconds`,
/// `cybex_feed_last_added`.
public struct FeedService: Sendable {
    let store: any Store
    let ingestor: Ingestor
    let transport: any HTTPTransport
    let clock: any WallClock

    /// The largest answer a pull reads.
    public static let maxResponseBytes = 512 << 20
    /// The shortest interval between two scheduled pulls of a feed, and the longest back-off.
    public static let minimumIntervalSeconds = 1
    public static let maximumBackoffSeconds = 86_400

    public init(engine: Engine, transport: any HTTPTransport, clock: any WallClock = SystemWallClock()) {
        self.store = engine.store
        self.ingestor = engine.collections.ingestor
        self.transport = transport
        self.clock = clock
    }

    // MARK: Administration

    /// Adds a feed pulled from `url` into collection `collectionID` for the organisation named
    /// `ownerName`; audited as `feed.add`. It is first due at once.
    public func add(
        name: String, format: Feed.Format, url: String, owner ownerName: String, collection collectionID: String,
        settings: FeedSettings, actor: String
    ) async throws -> Feed {
        let name = try Administration.validName(name, of: "a feed")
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), url.utf8.count <= 2_048,
            (["http", "https"].contains(scheme) && parsed.host != nil)
                || (scheme == "file" && format != .taxii && parsed.path.hasPrefix("/"))
        else {
            throw EngineError(
                .invalidArgument,
                "a feed's URL is http:// or https:// with a host, or file:///absolute/path for a file on this machine "
                    + "(not for taxii), at most 2048 bytes")
        }
        guard let owner = try await store.organisation(named: ownerName) else {
            throw EngineError(.notFound, "no organisation named '\(ownerName)' (the feed's owner)")
        }
        guard try await store.collection(id: collectionID) != nil else {
            throw EngineError(.notFound, "no collection with id '\(ControlCharacters.escaped(collectionID))'")
        }
        try Self.check(settings, format: format)
        let now = clock.nowMicroseconds()
        let feed = Feed(
            id: Secrets.uuid(), name: name, format: format, url: url, ownerID: owner.id, collectionID: collectionID,
            settings: settings, created: now)
        do {
            try await store.createFeed(
                feed, state: FeedState(nextDue: now),
                audit: [
                    AuditEvent(
                        time: now, actor: actor, action: "feed.add", target: feed.id,
                        detail: "\(name): \(format.rawValue) \(Self.redacted(url)) into \(collectionID) for \(owner.name)")
                ])
        } catch let error as StoreError where error.code == .conflict {
            throw EngineError(.conflict, "a feed named '\(name)' exists")
        }
        return feed
    }

    static func check(_ settings: FeedSettings, format: Feed.Format) throws {
        guard settings.intervalSeconds >= minimumIntervalSeconds, settings.intervalSeconds <= 31 * 86_400 else {
            throw EngineError(.invalidArgument, "the interval is from \(minimumIntervalSeconds) second to 31 days")
        }
        if let confidence = settings.confidence, !(0...100).contains(confidence) {
            throw EngineError(.invalidArgument, "confidence is from 0 to 100")
        }
        if let kind = settings.kind, FeedValues.kinds[kind] == nil {
            throw EngineError(
                .invalidArgument, "'\(kind)' is not a value type; use \(FeedValues.kinds.keys.sorted().joined(separator: ", "))")
        }
        guard settings.labels.count <= 20,
            settings.labels.allSatisfy({ !$0.isEmpty && $0.count <= 100 && !ControlCharacters.contains(in: $0) })
        else { throw EngineError(.invalidArgument, "at most 20 labels of 1 to 100 characters") }
        if format == .csv, settings.delimiter.utf8.count != 1 {
            throw EngineError(.invalidArgument, "the delimiter is one character, such as , ; | or a tab")
        }
        if format == .csv, Int(settings.column) == nil, !settings.header {
            throw EngineError(.invalidArgument, "a column named by its header needs --header")
        }
        if format == .taxii, settings.taxiiCollection?.isEmpty ?? true {
            throw EngineError(.invalidArgument, "a TAXII feed names the collection to pull (--taxii-collection)")
        }
    }

    /// Every feed with its health, by name.
    public func list() async throws -> [(Feed, FeedState)] {
        try await store.feeds()
    }

    /// Removes the feed named `name` (the objects it made stay); audited as `feed.remove`.
    public func remove(name: String, actor: String) async throws {
        let feed = try await self.feed(named: name)
        let event = AuditEvent(time: clock.nowMicroseconds(), actor: actor, action: "feed.remove", target: feed.id, detail: name)
        guard try await store.removeFeed(id: feed.id, audit: [event]) else { throw Self.notFound(name) }
    }

    func feed(named name: String) async throws -> Feed {
        guard let feed = try await store.feeds().first(where: { $0.0.name == name })?.0 else { throw Self.notFound(name) }
        return feed
    }

    static func notFound(_ name: String) -> EngineError {
        EngineError(.notFound, "no feed named '\(ControlCharacters.escaped(name))'")
    }

    // MARK: Pulls

    /// Pulls the feed named `name` now, due or not.
    public func pull(name: String, actor: String) async throws -> FeedPullReport {
        let feed = try await feed(named: name)
        guard let state = try await store.feeds().first(where: { $0.0.id == feed.id })?.1 else { throw Self.notFound(name) }
        return try await pull(feed, state: state, actor: actor)
    }

    /// Pulls every enabled feed that is due (the `feeds` job).
    public func pullDue(actor: String) async throws -> [FeedPullReport] {
        var reports: [FeedPullReport] = []
        for (feed, state) in try await store.feeds() where feed.enabled && state.nextDue <= clock.nowMicroseconds() {
            if Task.isCancelled { break }
            reports.append(try await pull(feed, state: state, actor: actor))
        }
        return reports
    }

    func pull(_ feed: Feed, state old: FeedState, actor: String) async throws -> FeedPullReport {
        let now = clock.nowMicroseconds()
        var state = old
        state.lastPull = now
        state.pulls += 1
        let report: FeedPullReport
        do {
            switch feed.format {
            case .csv, .list: report = try await pullValues(feed, state: &state, now: now, actor: actor)
            case .misp: report = try await pullMISP(feed, state: &state, now: now, actor: actor)
            case .taxii: report = try await pullTAXII(feed, state: &state, now: now, actor: actor)
            case .csaf: report = try await pullCSAF(feed, state: &state, now: now, actor: actor)
            }
        } catch {
            let message = Self.describe(error)
            state.failures += 1
            state.lastError = message
            state.nextDue = now + Self.backoff(feed.settings.intervalSeconds, failures: state.failures)
            let failed = FeedPullReport(feed: feed.name, outcome: .failed, values: 0, added: 0, error: message)
            try await store.recordFeedPull(
                id: feed.id, state: state, sightings: [],
                audit: [self.audit(feed, actor: actor, time: now, detail: "failed: \(message)")])
            Self.measure(feed, failed, state: state)
            return failed
        }
        Self.measure(feed, report, state: state)
        return report
    }

    /// How long after a pull the next one is due, in microseconds: the interval, doubled with each
    /// failure since the last success, at most a day (and never less than the interval).
    static func backoff(_ interval: Int, failures: Int) -> Int64 {
        let doubled = Int64(interval) << Int64(min(failures, 16))
        return max(Int64(interval), min(doubled, Int64(maximumBackoffSeconds))) * 1_000_000
    }

    func succeeded(_ feed: Feed, _ state: inout FeedState, now: Int64) {
        state.lastSuccess = now
        state.lastError = nil
        state.failures = 0
        state.nextDue = now + Int64(feed.settings.intervalSeconds) * 1_000_000
    }

    func audit(_ feed: Feed, actor: String, time: Int64, detail: String) -> AuditEvent {
        AuditEvent(time: time, actor: actor, action: "feed.pull", target: feed.id, detail: "\(feed.name): \(detail)")
    }

    /// GETs `url` with the state's validators; nil for 304.
    func fetch(_ url: String, state: inout FeedState, headers: [OutboundRequest.Header] = []) async throws -> [UInt8]? {
        if url.lowercased().hasPrefix("file:"), let path = URL(string: url)?.path {
            return try Self.readFile(path, state: &state)
        }
        var sent = headers
        if let etag = state.etag { sent.append(.init("If-None-Match", etag)) }
        if let modified = state.lastModified { sent.append(.init("If-Modified-Since", modified)) }
        let response = try await transport.send(
            OutboundRequest(method: "GET", url: url, headers: sent), maxResponseBytes: Self.maxResponseBytes)
        if response.status == 304 { return nil }
        guard (200..<300).contains(response.status) else {
            throw EngineError(.invalidArgument, "the feed answered HTTP \(response.status)")
        }
        state.etag = response.header("ETag")
        state.lastModified = response.header("Last-Modified")
        return response.body
    }

    /// A local file (`file://`), with its size and modification time as its validator: unchanged, nil.
    static func readFile(_ path: String, state: inout FeedState) throws -> [UInt8]? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let attributes, let size = attributes[.size] as? NSNumber else {
            throw EngineError(.invalidArgument, "cannot read the feed's file \(path)")
        }
        guard size.intValue <= maxResponseBytes else {
            throw EngineError(.invalidArgument, "the feed's file is larger than \(maxResponseBytes) bytes")
        }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let tag = "file:\(size.intValue):\(Int64(modified * 1_000_000))"
        if state.etag == tag { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EngineError(.invalidArgument, "cannot read the feed's file \(path)")
        }
        state.etag = tag
        state.lastModified = nil
        return [UInt8](data)
    }

    func pullValues(_ feed: Feed, state: inout FeedState, now: Int64, actor: String) async throws -> FeedPullReport {
        var fetched = state
        guard let body = try await fetch(feed.url, state: &fetched) else {
            succeeded(feed, &state, now: now)
            try await store.recordFeedPull(
                id: feed.id, state: state, sightings: [], audit: [audit(feed, actor: actor, time: now, detail: "not modified")])
            return FeedPullReport(feed: feed.name, outcome: .notModified, values: 0, added: 0)
        }
        let values: [FeedValue]
        do {
            values = try FeedValues.read(body, format: feed.format, settings: feed.settings)
        } catch {
            throw EngineError(.invalidArgument, error.message)
        }
        let known = try await store.feedSightings(id: feed.id)
        // What the enrichment tables say of the addresses of the indicators this pull makes.
        var addresses: [[UInt8]: Observable] = [:]
        let objects = FeedObjects(feed: feed, now: now)
        for value in values where value.observable.kind == .ipv4 || value.observable.kind == .ipv6 {
            guard known.isEmpty || known[objects.indicatorID(value.observable)] == nil,
                let network = IPNetwork(value.observable.value)
            else {
                continue
            }
            addresses[network.address] = value.observable
        }
        var enrichment: [Observable: [EnrichmentFact]] = [:]
        if !addresses.isEmpty {
            for (address, facts) in try await store.enrichment(ofAddresses: Array(addresses.keys)) {
                if let observable = addresses[address] { enrichment[observable] = facts }
            }
        }
        let (document, sightings) = objects.document(values: values, known: known, enrichment: enrichment)
        let ingested = try await ingest(
            try ParsedDocument(document, limits: ingestor.limits), feed: feed, actor: actor, now: now, read: values.count)
        guard ingested.rejected == 0 else {
            throw EngineError(
                .invalidArgument, "\(ingested.rejected) of the objects made were refused: \(ingested.firstRejection ?? "")")
        }
        state = fetched
        state.lastPull = now
        succeeded(feed, &state, now: now)
        state.lastValues = values.count
        state.lastAdded = ingested.added
        try await store.recordFeedPull(id: feed.id, state: state, sightings: sightings, audit: [])
        return FeedPullReport(feed: feed.name, outcome: .stored, values: values.count, added: ingested.added)
    }

    /// Stores the objects a pull made (MISP events, CSAF advisories) as JSON Lines; a pull whose objects the
    /// validator refuses stores none of them. Returns how many were added or new versions.
    func ingestMade(_ objects: [JSONValue], feed: Feed, actor: String, now: Int64) async throws -> Int {
        guard !objects.isEmpty else { return 0 }
        var lines = ParsedDocument.Lines()
        for object in objects { lines.append(object) }
        let ingested = try await ingest(
            try ParsedDocument(lines, limits: ingestor.limits), feed: feed, actor: actor, now: now, read: objects.count)
        guard ingested.rejected == 0 else {
            throw EngineError(
                .invalidArgument, "\(ingested.rejected) of the objects made were refused: \(ingested.firstRejection ?? "")")
        }
        return ingested.added
    }

    /// Stores a document as the feed's owner, with its `feed.pull` audit entry in the same transaction.
    func ingest(
        _ document: ParsedDocument, feed: Feed, actor: String, now: Int64, read: Int
    ) async throws -> (added: Int, rejected: Int, firstRejection: String?) {
        guard let collection = try await store.collection(id: feed.collectionID) else {
            throw EngineError(.notFound, "the feed's collection \(feed.collectionID) is gone")
        }
        let event: IngestCommitter = { report in
            AddCommit(audit: [
                AuditEvent(
                    time: now, actor: actor, action: "feed.pull", target: feed.id,
                    detail: "\(feed.name): \(read) read; " + CollectionService.summary(of: report))
            ])
        }
        let report = try await ingestor.store(document, into: collection, owner: feed.ownerID, itemized: false, commit: event)
        var rejected = 0
        var rejection: String?
        for item in report.items {
            guard case .rejected(let why) = item.outcome else { continue }
            rejected += 1
            if rejection == nil { rejection = "\(item.id ?? "?"): \(why)" }
        }
        return (report.added + report.newVersions, rejected, rejection)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as EngineError: error.message
        case let error as STIXDocumentError: error.description
        default: String(describing: error).prefix(500).description
        }
    }

    /// `url` without user information or query, for the audit log.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "?" }
        components.user = nil
        components.password = nil
        components.query = nil
        return components.string ?? "?"
    }

    static func measure(_ feed: Feed, _ report: FeedPullReport, state: FeedState) {
        Counter(label: "cybex_feed_pulls_total", dimensions: [("feed", feed.name), ("outcome", report.outcome.rawValue)])
            .increment()
        Gauge(label: "cybex_feed_failing", dimensions: [("feed", feed.name)]).record(state.isFailing ? 1 : 0)
        if let success = state.lastSuccess {
            Gauge(label: "cybex_feed_last_success_timestamp_seconds", dimensions: [("feed", feed.name)])
                .record(Double(success) / 1_000_000)
        }
        Gauge(label: "cybex_feed_last_added", dimensions: [("feed", feed.name)]).record(Double(report.added))
    }
}

extension FeedService {
    /// `ok`, `failing`, or `new` (never pulled).
    public static func status(_ state: FeedState) -> String {
        state.lastPull == nil ? "new" : state.isFailing ? "failing" : "ok"
    }

    /// A feed and its health as `GET /api/v1/feeds` and `cybex feed list --json` give them (never
    /// its credentials).
    public static func json(_ feed: Feed, _ state: FeedState) -> JSONValue {
        func time(_ value: Int64?) -> JSONValue { value.map { .string(STIXTimestamp.format(microseconds: $0)) } ?? .null }
        return .object([
            ("id", .string(feed.id)), ("name", .string(feed.name)), ("format", .string(feed.format.rawValue)),
            ("url", .string(redacted(feed.url))), ("collection", .string(feed.collectionID)), ("owner", .string(feed.ownerID)),
            ("tlp", .string(feed.settings.tlp.rawValue)), ("interval_seconds", .number(String(feed.settings.intervalSeconds))),
            ("enabled", .bool(feed.enabled)), ("status", .string(status(state))), ("last_pull", time(state.lastPull)),
            ("last_success", time(state.lastSuccess)), ("failures", .number(String(state.failures))),
            ("next_due", time(state.nextDue)), ("last_values", .number(String(state.lastValues))),
            ("last_added", .number(String(state.lastAdded))), ("pulls", .number(String(state.pulls))),
            ("error", state.lastError.map(JSONValue.string) ?? .null),
        ])
    }
}
