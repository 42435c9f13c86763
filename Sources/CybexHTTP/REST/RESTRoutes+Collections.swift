import CybexCore
import CybexEngine
import CybexFormats
import CybexStore
import Foundation
import Hummingbird

/// Collections and their objects over REST. Every object read goes through
/// ``CollectionService`` (collection access and the sharing policy, exactly as TAXII), and
/// objects are added through ``CollectionService/add(_:as:to:by:)`` (the same validation and
/// per-object outcomes as TAXII).
extension RESTRoutes {
    func registerCollections(on group: RouterGroup<Context>) {
        group.get("collections") { request, context in try await listCollections(request, context) }
        group.post("collections") { request, context in try await createCollection(request, context) }
        group.get("collections/:id") { request, context in try await collection(request, context) }
        group.get("collections/:id/objects") { request, context in try await objects(request, context) }
        group.post("collections/:id/objects") { request, context in try await addObjects(request, context) }
        group.get("collections/:id/objects/:objectID") { request, context in try await object(request, context) }
        group.get("collections/:id/count") { request, context in try await count(request, context) }
    }

    func listCollections(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let views = try await collections.collections(for: principal)
        let names = principal.isAdmin ? try await organisationNames() : nil
        return json(.object([("collections", .array(views.map { RESTResources.collection($0, names: names) }))]))
    }

    func createCollection(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try requireAdmin(context)
        let body = try await readBody(
            request, allowed: ["title", "description", "read", "write", "default_tlp", "sharing_group", "public"])
        // Free text: tabs and line breaks pass (as on the command line), other control characters do not.
        let title = try body.string("title", allowing: ControlCharacters.layout)
        let description = try body.optionalString("description", allowing: ControlCharacters.layout)
        var readers: [String] = []
        for (index, reference) in (try body.stringList("read") ?? []).enumerated() {
            readers.append(try await organisationName(reference, field: "read[\(index)]"))
        }
        var writers: [String] = []
        for (index, reference) in (try body.stringList("write") ?? []).enumerated() {
            writers.append(try await organisationName(reference, field: "write[\(index)]"))
        }
        let tlp = try body.optionalString("default_tlp").map { try RESTBody.tlp($0, field: "default_tlp") }
        var groupName: String?
        if let reference = try body.optionalString("sharing_group") {
            guard let group = try await store.sharingGroups().first(where: { $0.name == reference || $0.id == reference }) else {
                throw RESTError.invalid("sharing_group", "no sharing group '\(reference)'")
            }
            groupName = group.name
        }
        let isPublic = try body.optionalBool("public") ?? false
        let record = try await administration(principal).addCollection(
            title: title, description: description, readers: readers, writers: writers, defaultTLP: tlp,
            sharingGroup: groupName, isPublic: isPublic)
        let view = try await collections.collection(id: record.id, for: principal)
        return json(RESTResources.collection(view, names: try await organisationNames()), status: .created)
    }

    func collection(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let view = try await collections.collection(id: try context.parameters.require("id"), for: principal)
        let names = principal.isAdmin ? try await organisationNames() : nil
        return json(RESTResources.collection(view, names: names))
    }

    /// One page of the newest visible version of each object, oldest added first; `after` is the
    /// `next` of the previous page.
    func objects(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let parameters = try RESTQuery(request, allowed: ["type", "limit", "after"])
        var query = ObjectQuery(
            limit: try parameters.limit(default: configuration.defaultPageSize, max: configuration.maxPageSize))
        if let types = parameters["type"] {
            let list = types.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !list.isEmpty, list.count <= TAXIIQuery.maxListValues else {
                throw RESTError.invalid("type", "'type' takes 1 to \(TAXIIQuery.maxListValues) STIX types separated by commas")
            }
            query.types = list
        }
        if let cursor = parameters["after"] {
            guard let position = PageToken.decode(cursor) else {
                throw RESTError.invalid("after", "'after' must be the 'next' value of a previous page")
            }
            query.addedAfter = position
        }
        let page = try await collections.objects(in: try context.parameters.require("id"), matching: query, for: principal)
        return bytes(RESTResources.objectPage(page))
    }

    /// The newest version of one object the caller may see; 404 when there is none, exactly as
    /// for an object that was never posted. Where several organisations posted the id (a lineage
    /// each), it is the newest of the lineage added first: a later poster never replaces it.
    func object(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let collectionID = try context.parameters.require("id")
        let objectID = try context.parameters.require("objectID")
        let page = try await collections.objects(
            in: collectionID, matching: ObjectQuery(ids: [objectID], limit: 1), for: principal)
        guard let record = page.records.first else {
            throw RESTError.notFound("no object '\(objectID)' in collection '\(collectionID)'")
        }
        return bytes(record.json)
    }

    func count(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let count = try await collections.objectCount(in: try context.parameters.require("id"), for: principal)
        return json(.object([("count", RESTResources.number(count))]))
    }

    /// Adds `{"objects": [...], "recipients": [...]}`. With `recipients`, one distribution
    /// marking definition naming them is created and referenced from every posted object that
    /// is TLP:RED (by its own marking, else the collection's default, else the caller's
    /// organisation's default), so that those organisations, and the owner, alone see it.
    func addObjects(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let collectionID = try context.parameters.require("id")
        // Check access before reading a large body.
        let view = try await collections.collection(id: collectionID, for: principal)
        guard view.canWrite else { throw RESTError.forbidden("you may not add objects to collection '\(collectionID)'") }
        let body = try await readBody(request, allowed: ["objects", "recipients"])
        guard case .array(var objects)? = body["objects"], !objects.isEmpty else {
            throw RESTError.invalid("objects", "'objects' must be a non-empty list of STIX objects")
        }
        var markingID: String?
        if let recipients = try body.stringList("recipients", maxCount: DistributionMarking.maximumRecipients) {
            guard !recipients.isEmpty else {
                throw RESTError.invalid("recipients", "'recipients' needs at least one organisation")
            }
            var names: [String] = []
            for (index, reference) in recipients.enumerated() {
                let name = try await organisationName(reference, field: "recipients[\(index)]")
                if !names.contains(name) { names.append(name) }
            }
            let level = view.collection.defaultTLP ?? principal.organisation.defaultTLP ?? .amber
            let id = "marking-definition--" + Secrets.uuid()
            var addressed = false
            objects = objects.map { object in
                guard let marked = Self.addressing(object, to: id, defaultLevel: level) else { return object }
                addressed = true
                return marked
            }
            if addressed {
                objects.insert(Self.distributionMarking(id: id, recipients: names), at: 0)
                markingID = id
            }
        }
        // Without recipients the body is a TAXII envelope as it is, and the objects are stored
        // exactly as received; with them, the envelope is rewritten with the marking added.
        let envelope = markingID == nil ? body.bytes : JSONWriter.bytes(.object([("objects", .array(objects))]))
        let report = try await collections.add(envelope, as: .envelope, to: collectionID, by: principal)
        return json(RESTResources.ingestReport(report, distributionMarking: markingID))
    }

    /// `object` with `markingID` added to its `object_marking_refs` when it is TLP:RED (by its
    /// TLP marking, else `defaultLevel`); nil when it is not, or is not an object that can be
    /// marked (the validator then judges it as posted).
    static func addressing(_ object: JSONValue, to markingID: String, defaultLevel: TLPLevel) -> JSONValue? {
        guard case .object(var members) = object, object["type"]?.stringValue != "marking-definition" else { return nil }
        let index = members.firstIndex { $0.key == "object_marking_refs" }
        var refs: [JSONValue] = []
        if let index {
            guard case .array(let list) = members[index].value else { return nil }
            refs = list
        }
        let level = TLPLevel.strictest(of: refs.compactMap(\.stringValue)) ?? defaultLevel
        guard level == .red else { return nil }
        refs.append(.string(markingID))
        if let index { members[index].value = .array(refs) } else { members.append(("object_marking_refs", .array(refs))) }
        return .object(members)
    }

    /// Cybex's distribution marking definition naming `recipients` (see ``DistributionMarking``).
    static func distributionMarking(id: String, recipients: [String]) -> JSONValue {
        .object([
            ("type", .string("marking-definition")),
            ("spec_version", .string("2.1")),
            ("id", .string(id)),
            (
                "created",
                .string(STIXTimestamp.format(microseconds: SystemWallClock.nowMicroseconds() / 1000 * 1000, fractionDigits: 3))
            ),
            ("name", .string("Distribution: " + recipients.joined(separator: ", "))),
            (
                "extensions",
                .object([
                    (
                        DistributionMarking.extensionID,
                        .object([
                            ("extension_type", .string("property-extension")),
                            ("recipients", .array(recipients.map(JSONValue.string))),
                        ])
                    )
                ])
            ),
        ])
    }
}
