import CybexCore
import CybexEngine
import CybexFormats
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
        group.post("collections/:id/iodef") { request, context in try await addIODEF(request, context) }
        group.get("collections/:id/iodef") { request, context in try await iodef(request, context) }
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
            guard let group = try await directory.sharingGroups().first(where: { $0.name == reference || $0.id == reference })
            else {
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
        // Access is decided before a large body is read.
        let view = try await collections.writableCollection(id: collectionID, for: principal)
        let body = try await readBody(request, allowed: ["objects", "recipients"])
        guard case .array(let objects)? = body["objects"], !objects.isEmpty else {
            throw RESTError.invalid("objects", "'objects' must be a non-empty list of STIX objects")
        }
        guard let recipients = try body.stringList("recipients", maxCount: DistributionMarking.maximumRecipients) else {
            // The body is a TAXII envelope as it is, and the objects are stored exactly as received.
            let report = try await collections.add(body.bytes, as: .envelope, to: view, by: principal)
            return json(RESTResources.ingestReport(report, distributionMarking: nil))
        }
        guard !recipients.isEmpty else {
            throw RESTError.invalid("recipients", "'recipients' needs at least one organisation")
        }
        var names: [String] = []
        for (index, reference) in recipients.enumerated() {
            let name = try await organisationName(reference, field: "recipients[\(index)]")
            if !names.contains(name) { names.append(name) }
        }
        let (report, markingID) = try await collections.add(
            body.bytes, objects: objects, addressedTo: names, to: view, by: principal)
        return json(RESTResources.ingestReport(report, distributionMarking: markingID))
    }

    /// `POST …/iodef` with an IODEF v2 document (`application/xml`): its incidents are ingested as
    /// STIX as the caller's organisation (docs/IODEF.md), each opening a case the organisation
    /// handles unless it has one already (docs/INCIDENTS.md); the answer is the ingest report. The body
    /// is bounded by IODEF's 16 MiB before it is read; a document that is not valid IODEF is
    /// refused whole, every problem named with its line and column, nothing stored.
    func addIODEF(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let collectionID = try context.parameters.require("id")
        guard Self.isXML(request.headers[.contentType]) else {
            throw RESTError(
                .unsupportedMediaType, code: "unsupported-media-type",
                "an IODEF document is sent as application/xml (or text/xml, application/iodef+xml)")
        }
        // Access is decided before the body is read.
        _ = try await collections.writableCollection(id: collectionID, for: principal)
        let bytes = try await Self.rawBody(request, maxLength: min(configuration.maxContentLength, IODEF.limits.maxBytes))
        let report = try await cases(request).importIODEF(bytes, to: collectionID, by: principal)
        return json(RESTResources.ingestReport(report, distributionMarking: nil))
    }

    /// `GET …/iodef`: the incidents the caller may see (the newest version of each) as one IODEF v2
    /// document, `application/xml`; 404 when it may see none.
    func iodef(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let collectionID = try context.parameters.require("id")
        let xml = try await collections.iodef(of: collectionID, for: principal, issuer: issuer(request))
        return Response(
            status: .ok, headers: [.contentType: "application/xml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: xml)))
    }

    static func isXML(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces).lowercased()
        return ["application/xml", "text/xml", "application/iodef+xml"].contains(mediaType)
    }
}
