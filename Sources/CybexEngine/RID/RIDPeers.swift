public import CybexCore
import CybexStore
import Foundation

/// The registry of RID peers (docs/RID.md, "Peers"): who may post RID messages to this node
/// (by client-certificate fingerprint), where this node posts to them, and which organisation
/// stands for each under the sharing policy. Kept by node administrators; every change audited.
public struct RIDPeers: Sendable {
    let store: any Store
    let clock: any WallClock

    init(store: any Store, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// What a peer is made from, with organisations and the collection named as the operator
    /// names them.
    public struct Draft: Sendable {
        public var name: String
        public var organisation: String
        public var endpoint: String
        public var fingerprints: [String]
        public var collectionID: String
        public var handler: String
        public var accepts: [RIDMessageType]

        public init(
            name: String, organisation: String, endpoint: String, fingerprints: [String], collectionID: String,
            handler: String, accepts: [RIDMessageType] = RIDMessageType.allCases
        ) {
            self.name = name
            self.organisation = organisation
            self.endpoint = endpoint
            self.fingerprints = fingerprints
            self.collectionID = collectionID
            self.handler = handler
            self.accepts = accepts
        }
    }

    /// A peer as listed: the record and its organisations' names.
    public struct View: Sendable {
        public var peer: RIDPeer
        public var organisationName: String
        public var handlerName: String
    }

    /// Adds a peer (administrators only); `invalidArgument` naming the field at fault,
    /// `conflict` when the name or a fingerprint is another peer's.
    @discardableResult
    public func add(_ draft: Draft, by principal: Principal) async throws -> View {
        try Self.requireAdmin(principal)
        return try await add(draft, actor: principal.user.username)
    }

    /// As ``add(_:by:)``, for the node's operator (`cybex peer add`).
    @discardableResult
    public func add(_ draft: Draft, actor: String) async throws -> View {
        guard RIDPeer.isValidName(draft.name) else {
            throw EngineError(
                .invalidArgument, "peer name '\(draft.name.prefix(80))': use 1 to 64 letters, digits, '.', '-' or '_'")
        }
        guard let organisation = try await store.organisation(named: draft.organisation) else {
            throw EngineError(.notFound, "no organisation '\(draft.organisation)' to stand for peer \(draft.name)")
        }
        guard let handler = try await store.organisation(named: draft.handler) else {
            throw EngineError(.notFound, "no organisation '\(draft.handler)' to handle the cases of peer \(draft.name)")
        }
        guard handler.id != organisation.id else {
            throw EngineError(
                .invalidArgument, "the organisation handling a peer's cases is one of this node's, not the peer's own")
        }
        guard let url = URL(string: draft.endpoint), url.scheme?.lowercased() == "https", let host = url.host, !host.isEmpty,
            url.user == nil, url.query == nil, url.fragment == nil
        else {
            throw EngineError(
                .invalidArgument,
                "endpoint '\(draft.endpoint.prefix(200))' is not an https URL (RFC 6546: RID goes over TLS, e.g. https://rid.peer.example:4590/)"
            )
        }
        var fingerprints: [String] = []
        for text in draft.fingerprints {
            guard let fingerprint = RIDPeer.fingerprint(text) else {
                throw EngineError(
                    .invalidArgument,
                    "'\(text.prefix(100))' is not a SHA-256 certificate fingerprint (64 hex digits, colons allowed)")
            }
            if !fingerprints.contains(fingerprint) { fingerprints.append(fingerprint) }
        }
        guard !fingerprints.isEmpty else {
            throw EngineError(.invalidArgument, "a peer needs the fingerprint of at least one client certificate")
        }
        guard let collection = try await store.collection(id: draft.collectionID) else {
            throw EngineError(.notFound, "no collection with id '\(draft.collectionID)'")
        }
        guard collection.writers.contains(organisation.id) else {
            throw EngineError(
                .invalidArgument,
                "organisation '\(organisation.name)' may not write collection \(collection.id): the incidents peer \(draft.name) sends are stored there as that organisation"
            )
        }
        guard !draft.accepts.isEmpty else { throw EngineError(.invalidArgument, "a peer accepts at least one message type") }
        for other in try await store.peers() {
            if let shared = other.fingerprints.first(where: fingerprints.contains) {
                throw EngineError(.conflict, "fingerprint \(shared) is peer \(other.name)'s already")
            }
        }
        let now = clock.nowMicroseconds()
        let peer = RIDPeer(
            name: draft.name, organisationID: organisation.id, endpoint: draft.endpoint, fingerprints: fingerprints,
            collectionID: collection.id, handlerID: handler.id,
            accepts: RIDMessageType.allCases.filter(draft.accepts.contains), created: now)
        let detail =
            "organisation \(organisation.name), endpoint \(draft.endpoint), \(fingerprints.count) certificate(s), accepts \(peer.accepts.map(\.rawValue).joined(separator: ","))"
        do {
            try await store.addPeer(
                peer, audit: [AuditEvent(time: now, actor: actor, action: "rid.peer.add", target: peer.name, detail: detail)])
        } catch let error as StoreError where error.code == .conflict {
            throw EngineError(.conflict, "a peer named '\(draft.name)' exists")
        }
        return View(peer: peer, organisationName: organisation.name, handlerName: handler.name)
    }

    /// Removes the peer named `name` (administrators only); `notFound` when there is none.
    public func remove(_ name: String, by principal: Principal) async throws {
        try Self.requireAdmin(principal)
        try await remove(name, actor: principal.user.username)
    }

    public func remove(_ name: String, actor: String) async throws {
        let now = clock.nowMicroseconds()
        guard
            try await store.removePeer(
                named: name, audit: [AuditEvent(time: now, actor: actor, action: "rid.peer.remove", target: name, detail: "")])
        else { throw EngineError(.notFound, "no peer named '\(name.prefix(80))'") }
    }

    /// Every peer (administrators only).
    public func list(for principal: Principal) async throws -> [View] {
        try Self.requireAdmin(principal)
        return try await list()
    }

    public func list() async throws -> [View] {
        var names: [String: String] = [:]
        for organisation in try await store.organisations() { names[organisation.id] = organisation.name }
        return try await store.peers().map {
            View(
                peer: $0, organisationName: names[$0.organisationID] ?? $0.organisationID,
                handlerName: names[$0.handlerID] ?? $0.handlerID)
        }
    }

    static func requireAdmin(_ principal: Principal) throws {
        guard principal.isAdmin else { throw EngineError(.forbidden, "RID peers are kept by the node's administrators") }
    }
}

extension Engine {
    /// The registry of RID peers.
    public func ridPeers(clock: any WallClock = SystemWallClock()) -> RIDPeers { RIDPeers(store: store, clock: clock) }
}
