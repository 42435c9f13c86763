import CybexCore
import CybexEngine
import CybexFormats
import Hummingbird

/// RID over REST (docs/RID.md): the peer registry (administrators) and the RID messages of a case
/// (analysts of the organisation handling it). Every call is a ``RIDPeers`` or ``RIDService`` call.
extension RESTRoutes {
    func registerRID(on group: RouterGroup<Context>) {
        group.get("peers") { request, context in try await listPeers(request, context) }
        group.post("peers") { request, context in try await addPeer(request, context) }
        group.delete("peers/:name") { request, context in try await removePeer(request, context) }
        group.get("cases/:id/rid") { request, context in try await caseExchanges(request, context) }
        group.post("cases/:id/rid") { request, context in try await sendRID(request, context) }
    }

    var peers: RIDPeers { engine.ridPeers(clock: configuration.clock) }

    /// RID with the node's transport; 503 when `serve` runs without RID (`--rid-port`).
    func rid(_ request: Request) throws -> RIDService {
        guard let transport = configuration.ridTransport else {
            throw RESTError(
                .serviceUnavailable, code: "rid-not-configured",
                "this node runs without RID: start it with --rid-port, --rid-ca and its RID certificate (docs/RID.md)")
        }
        return engine.rid(nodeName: issuer(request), transport: transport, clock: configuration.clock)
    }

    func listPeers(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        return json(.object([("peers", .array(try await peers.list(for: principal).map(RESTResources.peer)))]))
    }

    func addPeer(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let body = try await readBody(
            request, allowed: ["name", "organisation", "endpoint", "fingerprints", "collection", "handled_by", "accepts"])
        var accepts = RIDMessageType.allCases
        if let names = try body.stringList("accepts", maxCount: 16) {
            accepts = try names.enumerated().map { index, name in
                guard let type = RIDMessageType(rawValue: name) else {
                    throw RESTError.invalid(
                        "accepts[\(index)]",
                        "'\(name.prefix(40))' is not a RID message type: \(RIDMessageType.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                return type
            }
        }
        let view = try await peers.add(
            RIDPeers.Draft(
                name: try body.string("name"), organisation: try body.string("organisation"),
                endpoint: try body.string("endpoint"),
                fingerprints: try body.stringList("fingerprints", maxCount: 16) ?? [],
                collectionID: try body.string("collection"),
                handler: try body.string("handled_by"), accepts: accepts),
            by: principal)
        return json(RESTResources.peer(view), status: .created)
    }

    func removePeer(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        try await peers.remove(try context.parameters.require("name"), by: principal)
        return Response(status: .noContent)
    }

    func caseExchanges(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let exchanges = try await engine.ridExchanges(
            caseID: try context.parameters.require("id"), for: principal, issuer: issuer(request))
        return json(.object([("exchanges", .array(exchanges.map(RESTResources.exchange)))]))
    }

    /// `POST {"type": "trace"|"investigation"|"report"|"query", "peer": NAME, "subject": ADDRESS?}`:
    /// the exchange as it stands after the peer's answer.
    func sendRID(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let body = try await readBody(request, allowed: ["type", "peer", "subject"])
        let typeName = try body.string("type")
        guard let kind = RIDExchangeKind(rawValue: typeName) else {
            throw RESTError.invalid(
                "type",
                "'\(typeName.prefix(40))' is not a RID exchange: \(RIDExchangeKind.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        let record = try await rid(request).send(
            kind, caseID: try context.parameters.require("id"), to: try body.string("peer"),
            subject: try body.optionalString("subject"), by: principal)
        return json(RESTResources.exchange(record), status: .created)
    }
}

extension RESTResources {
    static func peer(_ view: RIDPeers.View) -> JSONValue {
        .object([
            ("name", .string(view.peer.name)),
            ("organisation", .string(view.organisationName)),
            ("endpoint", .string(view.peer.endpoint)),
            ("fingerprints", .array(view.peer.fingerprints.map { .string($0) })),
            ("collection", .string(view.peer.collectionID)),
            ("handled_by", .string(view.handlerName)),
            ("accepts", .array(view.peer.accepts.map { .string($0.rawValue) })),
            ("created", time(view.peer.created)),
        ])
    }

    static func exchange(_ record: RIDExchangeRecord) -> JSONValue {
        .object([
            ("id", .string(record.id)),
            ("type", .string(record.kind.rawValue)),
            ("role", .string(record.role.rawValue)),
            ("state", .string(record.state.rawValue)),
            ("incident", .object([("name", .string(record.incidentName)), ("id", .string(record.incidentID))])),
            ("case", optional(record.caseID)),
            ("upstream", optional(record.upstream)),
            ("downstream", optional(record.downstream)),
            ("subject", optional(record.subject)),
            ("source_found", record.sourceFound.map { .bool($0) } ?? .null),
            ("outcome", optional(record.outcome)),
            ("path", .array(record.path.map { .string($0) })),
            (
                "messages",
                .array(
                    record.messages.map { message in
                        var fields: [(String, JSONValue)] = [
                            ("time", time(message.time)), ("direction", .string(message.direction)),
                            ("peer", .string(message.peer)), ("type", .string(message.type.rawValue)),
                        ]
                        if let status = message.status { fields.append(("status", .string(status))) }
                        if let detail = message.detail { fields.append(("detail", .string(detail))) }
                        return .object(fields)
                    })
            ),
            ("created", time(record.created)),
            ("updated", time(record.updated)),
        ])
    }
}
