import Crypto
public import CybexCore
public import CybexFormats
import CybexStore
import Foundation

/// What one delivery attempt of a channel did.
public struct NotificationDelivery: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        /// A digest went out.
        case delivered
        /// Objects were queued, but none the organisation may see at the channel's level: nothing sent.
        case empty
        /// The relay or receiver refused or could not be reached; retried later.
        case failed
    }

    public var channel: String
    public var outcome: Outcome
    public var objects: [String]
    public var error: String?
}

/// Constituent notification (issue 15 item 7). Each organisation registers channels — an e-mail
/// address, a webhook — with the highest TLP level they carry and how often; the
/// ``ConstituencyNotifier`` queues new objects that touch its constituency; the `notifications`
/// job (``deliverDue(actor:)``) sends each channel that is due one digest of what was queued since
/// its last one, **read as a reader of that organisation would read it** (the collections it may
/// read, each under its read scope, capped at the channel's level, through the channel's redaction
/// policy: ``BundleExport``), so a digest never holds what the organisation may not see. E-mail goes
/// through a ``MailTransport`` (text summary, the bundle attached); a webhook gets the bundle as the
/// body of a POST signed with HMAC-SHA256 over `timestamp.body` (`X-Cybex-Timestamp`,
/// `X-Cybex-Signature: sha256=<hex>`). A failed delivery is recorded on the channel and retried with
/// a doubling wait (at most an hour); a delivered digest is audited (`notification.send`) with the
/// ids it carried, a failure as `notification.failed`.
public struct NotificationService: Sendable {
    let store: any Store
    let collections: CollectionService
    let mail: (any MailTransport)?
    let http: (any HTTPTransport)?
    /// The `From:` of e-mail digests.
    let sender: String
    let clock: any WallClock

    /// The most objects one digest carries (the rest wait for the next).
    public static let maximumObjects = 1_000
    public static let minimumFrequencySeconds = 1
    public static let maximumRetrySeconds = 3_600

    public init(
        engine: Engine, mail: (any MailTransport)?, http: (any HTTPTransport)?, sender: String = "cybex@localhost",
        clock: any WallClock = SystemWallClock()
    ) {
        self.store = engine.store
        self.collections = engine.collections
        self.mail = mail
        self.http = http
        self.sender = sender
        self.clock = clock
    }

    // MARK: Channels

    /// Adds a channel for the organisation named `name` (the operator); returns it with its
    /// webhook key (shown once). Audited as `notification.channel-add`.
    public func addChannel(
        organisation name: String, kind: NotificationChannel.Kind, target: String, settings: NotificationSettings,
        actor: String
    ) async throws -> (NotificationChannel, secret: String?) {
        let organisation = try await Administration(store: store, actor: actor).organisation(named: name)
        return try await addChannel(organisation, kind: kind, target: target, settings: settings, actor: actor)
    }

    /// Adds a channel for organisation `id` as `principal` (who may change the organisation's records).
    public func addChannel(
        ofOrganisation id: String, kind: NotificationChannel.Kind, target: String, settings: NotificationSettings,
        by principal: Principal
    ) async throws -> (NotificationChannel, secret: String?) {
        try await OrganisationProfiles(store: store).requireAccess(toOrganisation: id, for: principal, write: true)
        guard let organisation = try await store.organisation(id: id) else { throw OrganisationProfiles.notFound(id) }
        if kind == .webhook, principal.user.role != .admin, let host = URL(string: target)?.host, Self.isInternal(host) {
            throw EngineError(
                .invalidArgument,
                "a webhook must not point at this node's own network (loopback, link-local, private or unique-local "
                    + "addresses, localhost); the node's administrator can add such a channel with cybex notify channel add")
        }
        return try await addChannel(organisation, kind: kind, target: target, settings: settings, actor: principal.user.username)
    }

    func addChannel(
        _ organisation: Organisation, kind: NotificationChannel.Kind, target: String, settings: NotificationSettings,
        actor: String
    ) async throws -> (NotificationChannel, secret: String?) {
        try Self.check(kind: kind, target: target, settings: settings)
        if let redaction = settings.redaction {
            _ = try await RedactionPolicies(store: store, actor: actor).redactor(named: redaction)
        }
        let now = clock.nowMicroseconds()
        let channel = NotificationChannel(
            id: Secrets.uuid(), organisationID: organisation.id, kind: kind, target: target, settings: settings, created: now)
        let secret = kind == .webhook ? Secrets.random() : nil
        try await store.createNotificationChannel(
            channel, secret: secret,
            audit: [
                AuditEvent(
                    time: now, actor: actor, action: "notification.channel-add", target: channel.id,
                    detail:
                        "\(organisation.name): \(kind.rawValue), up to \(settings.maxLevel.label), every \(settings.frequencySeconds) s"
                )
            ])
        return (channel, secret)
    }

    /// Whether `host` names the node's own machine or network: `localhost` (and `*.localhost`), or an
    /// address that is unspecified, loopback, link-local, private (RFC 1918), shared (RFC 6598) or
    /// unique-local (fc00::/7). Constituents may not make the node post to those (server-side
    /// request forgery). A public name that resolves to such an address is not caught here
    /// (SECURITY.md, "Feeds and notification").
    public static func isInternal(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]."))
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        guard let address = IPNetwork.addressBytes(name) else { return false }
        var bytes = address
        // IPv4-mapped IPv6 addresses are their IPv4 address.
        if bytes.count == 16, bytes.prefix(10).allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            bytes = Array(bytes.suffix(4))
        }
        let ranges: [String] =
            bytes.count == 4
            ? ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"]
            : ["::/128", "::1/128", "fc00::/7", "fe80::/10"]
        return ranges.contains { IPNetwork($0)?.contains(bytes) == true }
    }

    static func check(kind: NotificationChannel.Kind, target: String, settings: NotificationSettings) throws {
        switch kind {
        case .email:
            do {
                try ContactSyntax.checkEmail(target, field: "target")
            } catch {
                throw EngineError(.invalidArgument, error.description)
            }
        case .webhook:
            guard let url = URL(string: target), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                url.host != nil, target.utf8.count <= 2_048, !ControlCharacters.contains(in: target)
            else {
                throw EngineError(.invalidArgument, "a webhook is an http:// or https:// URL with a host, at most 2048 bytes")
            }
        }
        guard (minimumFrequencySeconds...(31 * 86_400)).contains(settings.frequencySeconds) else {
            throw EngineError(.invalidArgument, "the frequency is from \(minimumFrequencySeconds) second to 31 days")
        }
    }

    /// Every channel with its state (the operator), never the keys.
    public func channels() async throws -> [(NotificationChannel, NotificationState)] {
        try await store.notificationChannels().map { ($0.0, $0.2) }
    }

    /// The channels of organisation `id`, as `principal` may read them.
    public func channels(ofOrganisation id: String, for principal: Principal) async throws -> [(
        NotificationChannel, NotificationState
    )] {
        try await OrganisationProfiles(store: store).requireAccess(toOrganisation: id, for: principal, write: false)
        return try await channels().filter { $0.0.organisationID == id }
    }

    /// Removes channel `id` (the operator); audited as `notification.channel-remove`.
    public func removeChannel(id: String, actor: String) async throws {
        let event = AuditEvent(
            time: clock.nowMicroseconds(), actor: actor, action: "notification.channel-remove", target: id)
        guard try await store.removeNotificationChannel(id: id, audit: [event]) else {
            throw EngineError(.notFound, "no notification channel with id '\(ControlCharacters.escaped(id))'")
        }
    }

    /// Removes channel `channelID` of organisation `id` as `principal`.
    public func removeChannel(_ channelID: String, ofOrganisation id: String, by principal: Principal) async throws {
        try await OrganisationProfiles(store: store).requireAccess(toOrganisation: id, for: principal, write: true)
        guard try await channels().contains(where: { $0.0.id == channelID && $0.0.organisationID == id }) else {
            throw EngineError(.notFound, "no notification channel with id '\(ControlCharacters.escaped(channelID))'")
        }
        try await removeChannel(id: channelID, actor: principal.user.username)
    }

    // MARK: Delivery

    /// Sends every enabled channel that is due the digest of what was queued for its organisation
    /// since its last one (the `notifications` job).
    public func deliverDue(actor: String) async throws -> [NotificationDelivery] {
        var deliveries: [NotificationDelivery] = []
        let now = clock.nowMicroseconds()
        for (channel, secret, state) in try await store.notificationChannels()
        where channel.settings.enabled && state.nextAttempt <= now {
            if Task.isCancelled { break }
            if let delivery = try await deliver(channel, secret: secret, state: state, actor: actor, now: now) {
                deliveries.append(delivery)
            }
        }
        // What every channel has passed, and anything older than a month, leaves the queue.
        _ = try await store.pruneNotifications(before: now - 31 * 86_400 * 1_000_000)
        return deliveries
    }

    func deliver(_ channel: NotificationChannel, secret: String?, state old: NotificationState, actor: String, now: Int64)
        async throws -> NotificationDelivery?
    {
        let queued = try await store.queuedNotifications(
            for: channel.organisationID, after: old.sentUpTo, limit: Self.maximumObjects)
        guard let last = queued.last?.queued else { return nil }
        var state = old
        let objects: [JSONValue]
        do {
            objects = try await digest(of: queued, for: channel)
        } catch {
            return try await failed(channel, state: state, error: "\(error)", actor: actor, now: now)
        }
        guard !objects.isEmpty else {
            state.sentUpTo = last
            try await store.recordNotificationDelivery(id: channel.id, state: state, audit: [])
            return NotificationDelivery(channel: channel.id, outcome: .empty, objects: [])
        }
        let ids = objects.compactMap { $0["id"]?.stringValue }
        do {
            try await send(objects, over: channel, secret: secret, now: now)
        } catch {
            return try await failed(channel, state: state, error: Self.describe(error), actor: actor, now: now)
        }
        state.sentUpTo = last
        state.lastDelivered = now
        state.lastError = nil
        state.failures = 0
        state.deliveries += 1
        state.nextAttempt = now + Int64(channel.settings.frequencySeconds) * 1_000_000
        let named = ids.prefix(50).joined(separator: ", ") + (ids.count > 50 ? ", …" : "")
        try await store.recordNotificationDelivery(
            id: channel.id, state: state,
            audit: [
                AuditEvent(
                    time: now, actor: actor, action: "notification.send", target: channel.id,
                    detail:
                        "\(channel.kind.rawValue) digest of \(ids.count) objects up to \(channel.settings.maxLevel.label): \(named)"
                )
            ])
        return NotificationDelivery(channel: channel.id, outcome: .delivered, objects: ids)
    }

    func failed(_ channel: NotificationChannel, state old: NotificationState, error: String, actor: String, now: Int64)
        async throws -> NotificationDelivery
    {
        var state = old
        state.failures += 1
        state.lastError = error
        let wait = min(Int64(channel.settings.frequencySeconds), 60) << Int64(min(state.failures - 1, 16))
        state.nextAttempt = now + min(wait, Int64(Self.maximumRetrySeconds)) * 1_000_000
        try await store.recordNotificationDelivery(
            id: channel.id, state: state,
            audit: [
                AuditEvent(
                    time: now, actor: actor, action: "notification.failed", target: channel.id,
                    detail: "attempt \(state.failures): \(error)")
            ])
        return NotificationDelivery(channel: channel.id, outcome: .failed, objects: [], error: error)
    }

    /// The objects of `queued` the channel's organisation may see at the channel's level: each
    /// collection read as a reader of the organisation (not read at all when it may not read it),
    /// its newest versions, through the channel's redaction policy.
    func digest(of queued: [QueuedNotification], for channel: NotificationChannel) async throws -> [JSONValue] {
        guard let organisation = try await store.organisation(id: channel.organisationID) else { return [] }
        let readable = Dictionary(
            try await collections.readable(as: organisation.name, actor: "notifications"), uniquingKeysWith: { a, _ in a })
        var redactor: Redactor?
        if let name = channel.settings.redaction {
            redactor = try await RedactionPolicies(store: store, actor: "notifications").redactor(named: name)
        }
        var byCollection: [String: [String]] = [:]
        for item in queued { byCollection[item.collectionID, default: []].append(item.objectID) }
        var objects: [JSONValue] = []
        for (collectionID, ids) in byCollection.sorted(by: { $0.key < $1.key }) {
            guard let entry = readable[collectionID], var scope = entry,
                let collection = try await store.collection(id: collectionID)
            else { continue }
            let cap = channel.settings.maxLevel
            scope.levels = scope.levels.filter { $0 <= cap }
            scope.recipientLevels = scope.recipientLevels.filter { $0 <= cap }
            for start in stride(from: 0, to: ids.count, by: 500) {
                var export = BundleExport(store: store, collection: collection, scope: scope, redactor: redactor)
                export.ids = Array(ids[start..<min(start + 500, ids.count)])
                export.latestOnly = true
                var bytes: [UInt8] = []
                _ = try await export.write(to: { bytes.append(contentsOf: $0) })
                let bundle = try JSONReader.parse(bytes)
                // The viewer's own objects are visible at any level; a digest caps them too.
                objects += (bundle["objects"]?.arrayValue ?? []).filter { object in
                    let refs = (object["object_marking_refs"]?.arrayValue ?? []).compactMap(\.stringValue)
                    return (TLPLevel.strictest(of: refs) ?? .clear) <= cap
                }
            }
        }
        return objects
    }

    func send(_ objects: [JSONValue], over channel: NotificationChannel, secret: String?, now: Int64) async throws {
        let bundle = JSONValue.object([
            ("type", .string("bundle")), ("id", .string("bundle--" + Secrets.uuid())), ("objects", .array(objects)),
        ])
        switch channel.kind {
        case .email:
            guard let mail else { throw EngineError(.invalidArgument, "no SMTP relay is configured (cybex serve --smtp-host)") }
            var lines = [
                "\(objects.count) new objects touch your constituency (the highest level sent: \(channel.settings.maxLevel.label)).",
                "",
            ]
            for object in objects.prefix(200) {
                let type = object["type"]?.stringValue ?? "?"
                let label = object["name"]?.stringValue ?? object["pattern"]?.stringValue ?? object["value"]?.stringValue ?? ""
                lines.append("- \(type) \(object["id"]?.stringValue ?? "?") \(label)")
            }
            if objects.count > 200 { lines.append("- … and \(objects.count - 200) more in the attached bundle") }
            lines += ["", "The attached STIX 2.1 bundle holds them all.", "-- ", "Cybex"]
            try await mail.send(
                OutboundMail(
                    from: sender, to: [channel.target], subject: "[Cybex] \(objects.count) new objects touch your constituency",
                    text: lines.joined(separator: "\n"),
                    attachments: [
                        .init(
                            filename: "digest.json", mediaType: "application/stix+json;version=2.1",
                            bytes: JSONWriter.bytes(bundle))
                    ]))
        case .webhook:
            guard let http else { throw EngineError(.invalidArgument, "no HTTP client") }
            let body = JSONWriter.bytes(
                .object([
                    ("type", .string("cybex-digest")), ("channel", .string(channel.id)),
                    ("generated", .string(STIXTimestamp.format(microseconds: now))), ("bundle", bundle),
                ]))
            let timestamp = String(now / 1_000_000)
            let signature = Self.signature(secret: secret ?? "", timestamp: timestamp, body: body)
            let response = try await http.send(
                OutboundRequest(
                    method: "POST", url: channel.target,
                    headers: [
                        .init("Content-Type", "application/json"), .init("X-Cybex-Timestamp", timestamp),
                        .init("X-Cybex-Signature", "sha256=" + signature),
                    ], body: body), maxResponseBytes: 64 << 10)
            guard (200..<300).contains(response.status) else {
                throw EngineError(.invalidArgument, "the webhook answered HTTP \(response.status)")
            }
        }
    }

    /// The hex HMAC-SHA256 of `timestamp.body` under `secret`: what a receiver recomputes.
    public static func signature(secret: String, timestamp: String, body: [UInt8]) -> String {
        var message = Array(timestamp.utf8)
        message.append(UInt8(ascii: "."))
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as EngineError: error.message
        default: String(String(describing: error).prefix(500))
        }
    }
}

extension NotificationService {
    /// A channel and its state as the REST API and `cybex notify channel list --json` give them
    /// (never the key).
    public static func json(_ channel: NotificationChannel, _ state: NotificationState) -> JSONValue {
        func time(_ value: Int64?) -> JSONValue { value.map { .string(STIXTimestamp.format(microseconds: $0)) } ?? .null }
        return .object([
            ("id", .string(channel.id)), ("organisation", .string(channel.organisationID)),
            ("kind", .string(channel.kind.rawValue)), ("target", .string(channel.target)),
            ("max_tlp", .string(channel.settings.maxLevel.rawValue)),
            ("frequency_seconds", .number(String(channel.settings.frequencySeconds))),
            ("redaction", channel.settings.redaction.map(JSONValue.string) ?? .null),
            ("enabled", .bool(channel.settings.enabled)),
            ("last_delivered", time(state.lastDelivered)), ("deliveries", .number(String(state.deliveries))),
            ("failures", .number(String(state.failures))), ("next_attempt", time(state.nextAttempt)),
            ("error", state.lastError.map(JSONValue.string) ?? .null),
        ])
    }
}
