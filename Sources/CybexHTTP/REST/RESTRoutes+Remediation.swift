import CybexCore
import CybexEngine
import CybexFormats
import Foundation
import Hummingbird

/// Inventories, exposure, remediation duties and OpenVEX over REST (docs/API.md, docs/VULNERABILITIES.md).
/// Who may read and change an inventory or a duty is ``OrganisationRecordPolicy``'s decision, made in the
/// Engine: 404 for an organisation (or duty) the caller may not read, 403 for one it may read but not
/// change, decided before the body is read.
extension RESTRoutes {
    func registerRemediation(on group: RouterGroup<Context>) {
        group.get("organisations/:id/inventory") { request, context in try await inventory(request, context) }
        group.put("organisations/:id/inventory") { request, context in
            try await changeInventory(request, context, replacing: true)
        }
        group.post("organisations/:id/inventory") { request, context in
            try await changeInventory(request, context, replacing: false)
        }
        group.get("organisations/:id/exposure") { request, context in try await exposure(request, context) }
        group.get("remediations") { request, context in try await remediations(request, context) }
        group.get("remediations/:id") { request, context in try await remediation(request, context) }
        group.patch("remediations/:id") { request, context in try await updateRemediation(request, context) }
        group.post("collections/:id/openvex") { request, context in try await addOpenVEX(request, context) }
        group.post("collections/:id/csaf") { request, context in try await addCSAF(request, context) }
    }

    func inventory(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let view = try await engine.inventories.inventory(ofOrganisation: try context.parameters.require("id"), for: principal)
        return json(Self.inventoryResource(view, change: nil, skipped: 0))
    }

    /// `PUT` replaces the inventory, `POST` adds to it. The body is `{"items": [{"cpe" | "purl" | "vendor" and
    /// "product", "version", "note"}]}` (`application/json`), a CSV file (`text/csv`) as `cybex inventory
    /// import` reads it, or a CycloneDX JSON SBOM (`application/vnd.cyclonedx+json`).
    func changeInventory(_ request: Request, _ context: Context, replacing: Bool) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let id = try context.parameters.require("id")
        try await engine.organisationProfiles.requireAccess(toOrganisation: id, for: principal, write: true)
        var items: [InventoryItem] = []
        var skipped = 0
        let contentType = request.headers[.contentType]
        if Self.isCSV(contentType) || Self.isCycloneDX(contentType) {
            let bytes = try await Self.rawBody(request, maxLength: configuration.maxContentLength)
            do {
                if Self.isCSV(contentType) {
                    items = try InventoryEntries.csv(bytes)
                } else {
                    (items, skipped) = try InventoryEntries.cycloneDX(bytes)
                }
            } catch {
                throw RESTError.invalid("body", error.message)
            }
        } else {
            let body = try await readBody(request, allowed: ["items"])
            items = try Self.inventoryItems(body)
        }
        let change = try await engine.inventories.update(ofOrganisation: id, with: items, replacing: replacing, by: principal)
        let view = try await engine.inventories.inventory(ofOrganisation: id, for: principal)
        return json(Self.inventoryResource(view, change: change, skipped: skipped))
    }

    static func isCycloneDX(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces).lowercased()
        return mediaType == "application/vnd.cyclonedx+json"
    }

    static func inventoryItems(_ body: RESTBody) throws -> [InventoryItem] {
        guard case .array(let values)? = body["items"] else {
            throw RESTError.invalid(
                "items", "'items' must be a list of {\"cpe\" | \"purl\" | \"vendor\", \"product\", \"version\", \"note\"} objects"
            )
        }
        guard values.count <= InventoryItem.maxItems else {
            throw RESTError.invalid("items", "at most \(InventoryItem.maxItems) items")
        }
        var items: [InventoryItem] = []
        var seen: [InventoryItem.Key: Int] = [:]
        for (index, value) in values.enumerated() {
            let field = "items[\(index)]"
            guard let members = value.objectMembers else { throw RESTError.invalid(field, "\(field) must be an object") }
            var given: [String: String] = [:]
            for (key, member) in members {
                guard ["cpe", "purl", "vendor", "product", "version", "note"].contains(key) else {
                    throw RESTError.invalid(
                        "\(field).\(key)", "unknown field '\(key)'; an item takes cpe, purl, vendor, product, version and note")
                }
                switch member {
                case .string(let text): given[key] = try RESTBody.checked(text, field: "\(field).\(key)")
                case .null: break
                default: throw RESTError.invalid("\(field).\(key)", "'\(key)' must be a string")
                }
            }
            let item: InventoryItem
            do {
                item = try InventoryEntries.item(
                    cpe: given["cpe"], purl: given["purl"], vendor: given["vendor"], product: given["product"],
                    version: given["version"], note: given["note"])
            } catch {
                throw RESTError.invalid(field, error.message)
            }
            if let at = seen[item.key] {
                items[at].note = item.note ?? items[at].note
            } else {
                seen[item.key] = items.count
                items.append(item)
            }
        }
        return items
    }

    static func inventoryResource(_ view: Inventories.View, change: InventoryChange?, skipped: Int) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("organisation", .string(view.organisation.id)), ("name", .string(view.organisation.name)),
            ("items", .array(view.items.map(\.json))), ("may_write", .bool(view.mayWrite)),
        ]
        if let change {
            members.append(("added", RESTResources.number(change.added)))
            members.append(("removed", RESTResources.number(change.removed)))
            if skipped > 0 { members.append(("skipped", RESTResources.number(skipped))) }
        }
        return .object(members)
    }

    /// `GET …/exposure`: the organisation's findings, computed as its readers may see.
    func exposure(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let (organisation, findings) = try await engine.exposure().exposure(
            ofOrganisation: try context.parameters.require("id"), for: principal)
        return json(
            .object([
                ("organisation", .string(organisation.id)), ("name", .string(organisation.name)),
                ("findings", .array(findings.map(\.json))),
            ]))
    }

    /// `GET /api/v1/remediations?overdue=true&role=R&status=S&organisation=ID`: the duties the caller may read.
    func remediations(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = try RESTQuery(request, allowed: ["overdue", "role", "status", "organisation"])
        var filter = RemediationService.Filter()
        switch query["overdue"] {
        case nil, "false": break
        case "true": filter.overdue = true
        default: throw RESTError.invalid("overdue", "'overdue' is true or false")
        }
        if let role = query["role"] {
            guard let parsed = EcosystemRole(rawValue: role), parsed != .cirt else {
                throw RESTError.invalid("role", "'role' is equipment-vendor, software-provider, service-provider or end-user")
            }
            filter.role = parsed
        }
        if let status = query["status"] { filter.status = try Self.remediationStatus(status, field: "status") }
        filter.organisationID = query["organisation"]
        let service = engine.remediation()
        let records = try await service.list(filter, for: principal)
        let now = SystemWallClock.nowMicroseconds()
        return json(.object([("remediations", .array(records.map { $0.json(at: now, history: false) }))]))
    }

    func remediation(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let (record, mayWrite) = try await engine.remediation().record(
            id: try context.parameters.require("id"), for: principal)
        return json(Self.withMayWrite(record.json(at: SystemWallClock.nowMicroseconds()), mayWrite))
    }

    /// `PATCH /api/v1/remediations/{id}` `{"status", "role", "due", "note", "revision"}`.
    func updateRemediation(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let id = try context.parameters.require("id")
        let service = engine.remediation()
        // Access is decided before the body is read.
        let (_, mayWrite) = try await service.record(id: id, for: principal)
        guard mayWrite else {
            throw RESTError(.forbidden, code: "forbidden", "you may read this remediation but not change it")
        }
        let body = try await readBody(request, allowed: ["status", "role", "due", "note", "revision"])
        var change = RemediationService.Change()
        if let status = try body.optionalString("status") { change.status = try Self.remediationStatus(status, field: "status") }
        if let role = try body.optionalString("role") {
            guard let parsed = EcosystemRole(rawValue: role), parsed != .cirt else {
                throw RESTError.invalid("role", "'role' is equipment-vendor, software-provider, service-provider or end-user")
            }
            change.role = parsed
        }
        if let due = try body.optionalString("due") {
            guard let time = STIXTimestamp(parsing: due) ?? STIXTimestamp(parsing: due + "T00:00:00Z") else {
                throw RESTError.invalid("due", "'due' is a day (2027-01-31) or a timestamp (2027-01-31T00:00:00Z)")
            }
            change.due = time.microseconds
        }
        change.note = try body.optionalString("note", allowing: ControlCharacters.layout)
        switch body["revision"] {
        case nil, .null?: break
        case .number(let text)?:
            guard let revision = Int64(text) else { throw RESTError.invalid("revision", "'revision' must be an integer") }
            change.revision = revision
        default: throw RESTError.invalid("revision", "'revision' must be an integer")
        }
        let record = try await service.update(id: id, change, by: principal)
        return json(Self.withMayWrite(record.json(at: SystemWallClock.nowMicroseconds()), true))
    }

    static func remediationStatus(_ text: String, field: String) throws -> RemediationStatus {
        guard let status = RemediationStatus(rawValue: text) else {
            throw RESTError.invalid(
                field, "'\(field)' is one of \(RemediationStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return status
    }

    static func withMayWrite(_ value: JSONValue, _ mayWrite: Bool) -> JSONValue {
        guard case .object(let members) = value else { return value }
        return .object(members + [("may_write", .bool(mayWrite))])
    }

    /// `POST …/openvex` with an OpenVEX document (`application/json`): its statements are ingested as one
    /// STIX note as the caller's organisation; the answer is the ingest report.
    func addOpenVEX(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let collectionID = try context.parameters.require("id")
        guard RESTBody.isJSON(request.headers[.contentType]) else { throw RESTBody.unsupportedMediaType }
        // Access is decided before the body is read.
        _ = try await collections.writableCollection(id: collectionID, for: principal)
        let bytes = try await Self.rawBody(request, maxLength: configuration.maxContentLength)
        let report = try await collections.addOpenVEX(bytes, to: collectionID, by: principal)
        return json(RESTResources.ingestReport(report, distributionMarking: nil))
    }

    /// `POST …/csaf` with a CSAF 2.0 document (`application/json`): checked against the schema and every
    /// mandatory test (400 listing the problems, nothing stored), then ingested as STIX as the caller's
    /// organisation; the answer is the ingest report.
    func addCSAF(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let collectionID = try context.parameters.require("id")
        guard RESTBody.isJSON(request.headers[.contentType]) else { throw RESTBody.unsupportedMediaType }
        // Access is decided before the body is read.
        _ = try await collections.writableCollection(id: collectionID, for: principal)
        let bytes = try await Self.rawBody(request, maxLength: min(configuration.maxContentLength, CSAFDocument.maximumBytes))
        let report = try await collections.addCSAF(bytes, to: collectionID, by: principal)
        return json(RESTResources.ingestReport(report, distributionMarking: nil))
    }
}
