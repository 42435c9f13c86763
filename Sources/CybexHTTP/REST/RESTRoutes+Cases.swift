import CybexCore
import CybexEngine
import CybexFormats
import Foundation
import Hummingbird

/// Incident cases over REST (docs/INCIDENTS.md): every call is a ``CaseService`` call, which
/// decides who sees and changes what.
extension RESTRoutes {
    func registerCases(on group: RouterGroup<Context>) {
        group.get("classifications") { request, context in try await classifications(request, context) }
        group.get("cases") { request, context in try await listCases(request, context) }
        group.post("cases") { request, context in try await createCase(request, context) }
        group.get("cases/statistics") { request, context in try await caseStatistics(request, context) }
        group.get("cases/:id") { request, context in try await getCase(request, context) }
        group.patch("cases/:id") { request, context in try await updateCase(request, context) }
        group.post("cases/:id/comments") { request, context in try await commentCase(request, context) }
        group.post("cases/:id/links") { request, context in try await linkCase(request, context) }
        group.post("cases/:id/tasks") { request, context in try await addCaseTask(request, context) }
        group.post("cases/:id/tasks/:task/done") { request, context in try await completeCaseTask(request, context) }
        group.get("cases/:id/timeline") { request, context in try await caseTimeline(request, context) }
    }

    /// The node's name for IODEF ids: configured (`cybex serve` always sets it), else the public
    /// URL's host, else `localhost`: never the request's Host header, which a client chooses.
    func issuer(_ request: Request) -> String {
        configuration.nodeName ?? configuration.publicURL.flatMap { URL(string: $0)?.host } ?? "localhost"
    }

    func cases(_ request: Request) -> CaseService { engine.cases(issuer: issuer(request), clock: configuration.clock) }

    func classifications(_ request: Request, _ context: Context) async throws -> Response {
        _ = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        return json(.object([("classifications", .array(IncidentClass.allCases.map(RESTResources.classification)))]))
    }

    func listCases(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let parameters = try RESTQuery(request, allowed: ["status"])
        let status = try parameters["status"].map { try Self.caseStatus($0, field: "status") }
        let views = try await cases(request).list(for: principal, status: status)
        return json(.object([("cases", .array(views.map(RESTResources.caseResource)))]))
    }

    func createCase(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let body = try await readBody(
            request,
            allowed: [
                "collection", "title", "description", "severity", "classification", "tlp", "recipients", "reporter", "report",
            ])
        var draft = CaseService.Draft(
            collectionID: try body.string("collection"), title: try body.string("title", allowing: ControlCharacters.layout))
        draft.description = try body.optionalString("description", allowing: ControlCharacters.layout)
        draft.severity = try body.optionalString("severity").map { try Self.severity($0) } ?? .medium
        draft.classification = try body.optionalString("classification").map { try Self.classification($0) }
        draft.tlp = try body.optionalString("tlp").map { try RESTBody.tlp($0, field: "tlp") }
        draft.recipients = try body.stringList("recipients", maxCount: DistributionMarking.maximumRecipients) ?? []
        draft.reporter = try body.optionalString("reporter")
        draft.report = try body.optionalBool("report") ?? false
        let view = try await cases(request).create(draft, by: principal)
        return json(RESTResources.caseResource(view), status: .created)
    }

    func getCase(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        return json(
            RESTResources.caseResource(try await cases(request).view(id: try context.parameters.require("id"), for: principal)))
    }

    /// `PATCH`: any of status, severity, classification (null clears), assignee (a username of the
    /// handling organisation; null unassigns), title, description; applied in that order as one change.
    func updateCase(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let body = try await readBody(
            request, allowed: ["status", "severity", "classification", "assignee", "title", "description"])
        var changes: [CaseService.Change] = []
        if let status = try body.optionalString("status") {
            changes.append(.status(try Self.caseStatus(status, field: "status")))
        }
        if let severity = try body.optionalString("severity") { changes.append(.severity(try Self.severity(severity))) }
        if let classification = try body.patchString("classification") {
            changes.append(.classification(try classification.map { try Self.classification($0) }))
        }
        if let assignee = try body.patchString("assignee") { changes.append(.assignee(assignee)) }
        if let title = try body.optionalString("title", allowing: ControlCharacters.layout) { changes.append(.title(title)) }
        if let description = try body.patchString("description") { changes.append(.description(description)) }
        guard !changes.isEmpty else {
            throw RESTError.invalid("body", "give at least one of status, severity, classification, assignee, title, description")
        }
        return try await change(request, context, principal, changes)
    }

    func commentCase(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let body = try await readBody(request, allowed: ["text"])
        return try await change(
            request, context, principal, [.comment(try body.string("text", allowing: ControlCharacters.layout))])
    }

    func linkCase(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let body = try await readBody(request, allowed: ["objects"])
        guard let ids = try body.stringList("objects", maxCount: 1000), !ids.isEmpty else {
            throw RESTError.invalid("objects", "'objects' must be a non-empty list of STIX ids")
        }
        for (index, id) in ids.enumerated() where STIXIdentifier(id) == nil {
            throw RESTError.invalid("objects[\(index)]", "'\(id)' is not a STIX id")
        }
        return try await change(request, context, principal, [.link(ids)])
    }

    func addCaseTask(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let body = try await readBody(request, allowed: ["title"])
        return try await change(request, context, principal, [.addTask(try body.string("title"))])
    }

    func completeCaseTask(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        guard let task = Int(try context.parameters.require("task")) else {
            throw RESTError.notFound("no task '\(context.parameters.get("task") ?? "")'")
        }
        return try await change(request, context, principal, [.completeTask(task)])
    }

    func change(_ request: Request, _ context: Context, _ principal: Principal, _ changes: [CaseService.Change]) async throws
        -> Response
    {
        let view = try await cases(request).change(id: try context.parameters.require("id"), changes, by: principal)
        return json(RESTResources.caseResource(view))
    }

    func caseTimeline(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let events = try await cases(request).timeline(id: try context.parameters.require("id"), for: principal)
        return json(.object([("events", .array(events.map(RESTResources.caseEvent)))]))
    }

    /// `GET /cases/statistics?from=&to=&format=json|csv`: the cases the caller may see, opened in
    /// `[from, to)` (RFC 3339).
    func caseStatistics(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let parameters = try RESTQuery(request, allowed: ["from", "to", "format"])
        func bound(_ name: String) throws -> Int64? {
            guard let text = parameters[name] else { return nil }
            guard let stamp = IODEFTime.microseconds(text) else {
                throw RESTError.invalid(name, "'\(name)' must be a date and time such as 2026-01-01T00:00:00Z")
            }
            return stamp
        }
        let statistics = try await cases(request).statistics(for: principal, from: try bound("from"), to: try bound("to"))
        switch parameters["format"] ?? "json" {
        case "json": return json(RESTResources.caseStatistics(statistics))
        case "csv":
            return Response(
                status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: statistics.csv)))
        default: throw RESTError.invalid("format", "'format' is json or csv")
        }
    }

    static func caseStatus(_ text: String, field: String) throws -> CaseStatus {
        guard let status = CaseStatus(rawValue: text) else {
            throw RESTError.invalid(field, "'\(field)' is one of " + CaseStatus.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return status
    }

    static func severity(_ text: String) throws -> CaseSeverity {
        guard let severity = CaseSeverity(rawValue: text) else {
            throw RESTError.invalid(
                "severity", "'severity' is one of " + CaseSeverity.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return severity
    }

    static func classification(_ text: String) throws -> IncidentClass {
        guard let value = IncidentClass(rawValue: text) else {
            throw RESTError.invalid(
                "classification", "'classification' is one of " + IncidentClass.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return value
    }
}

extension RESTResources {
    static func classification(_ value: IncidentClass) -> JSONValue {
        .object([
            ("id", .string(value.rawValue)), ("label", .string(value.label)), ("rsit_class", .string(value.rsit.class)),
            ("rsit_type", optional(value.rsit.type)), ("rsit_tag", .string(value.rsitTag)),
        ])
    }

    static func caseResource(_ view: CaseService.View) -> JSONValue {
        let record = view.record
        func stamp(_ value: Int64?) -> JSONValue { value.map(time) ?? .null }
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(record.id)), ("reference", .string(record.reference)), ("collection", .string(record.collectionID)),
            ("incident", .string(record.incidentID)), ("title", .string(record.title)),
            ("description", optional(record.description)),
            ("status", .string(record.status.rawValue)), ("severity", .string(record.severity.rawValue)),
            ("classification", optional(record.classification?.rawValue)), ("rsit", optional(record.classification?.rsitTag)),
            ("tlp", optional(record.tlp?.rawValue)), ("owner", .string(view.ownerName)),
            ("reporter", optional(view.reporterName)),
            ("created", time(record.created)), ("updated", time(record.updated)), ("triaged", stamp(record.triaged)),
            ("resolved", stamp(record.resolved)), ("closed", stamp(record.closed)), ("full", .bool(view.full)),
            ("may_change", .bool(view.canChange)),
        ]
        if view.full {
            members += [
                ("assignee", optional(view.assigneeName)),
                (
                    "tasks",
                    .array(
                        record.tasks.map { task in
                            .object([("id", number(task.id)), ("title", .string(task.title)), ("done", .bool(task.done))])
                        })
                ),
                ("links", .array(record.links.map(JSONValue.string))),
                (
                    "sla",
                    .object([
                        ("triage_due", time(record.triageDue)), ("resolve_due", time(record.resolveDue)),
                        ("triage_breached", stamp(record.triageBreached)), ("resolve_breached", stamp(record.resolveBreached)),
                    ])
                ),
            ]
        }
        return .object(members)
    }

    static func caseEvent(_ event: CaseEvent) -> JSONValue {
        .object([
            ("time", time(event.time)), ("actor", .string(event.actor)), ("kind", .string(event.kind)),
            ("detail", .string(event.detail)),
        ])
    }

    static func caseStatistics(_ statistics: CaseStatistics) -> JSONValue {
        func counts(_ values: [String: Int]) -> JSONValue {
            .object(values.sorted { $0.key < $1.key }.map { (key: $0.key, value: number($0.value)) })
        }
        func timing(_ value: CaseStatistics.Timing?) -> JSONValue {
            guard let value else { return .null }
            return .object([
                ("count", number(value.count)), ("mean_seconds", .number(String(value.mean))),
                ("median_seconds", .number(String(value.median))),
            ])
        }
        return .object([
            ("total", number(statistics.total)), ("by_classification", counts(statistics.byClassification)),
            ("by_rsit", counts(statistics.byRSIT)), ("by_status", counts(statistics.byStatus)),
            ("by_sector", counts(statistics.bySector)), ("by_constituent", counts(statistics.byConstituent)),
            ("by_month", counts(statistics.byMonth)), ("time_to_triage", timing(statistics.timeToTriage)),
            ("time_to_close", timing(statistics.timeToClose)),
            (
                "sla_breaches",
                .object([("triage", number(statistics.triageBreaches)), ("resolution", number(statistics.resolutionBreaches))])
            ),
        ])
    }
}
