import CybexCore
import CybexEngine
import CybexFormats
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The TAXII 2.1 endpoints (section 4 and 5 of the specification), all behind authentication.
struct TAXIIRoutes: Sendable {
    typealias Context = CybexRequestContext
    let configuration: ServerConfiguration
    let collections: CollectionService

    static let readFilters: Set<String> = ["match[id]", "match[type]", "match[version]", "match[spec_version]", "added_after"]

    func register(on group: RouterGroup<Context>) {
        group.get("/") { request, context in try discovery(request, context) }
        group.get(":apiRoot") { request, context in try apiRootInformation(request, context) }
        group.get(":apiRoot/status/:statusID") { request, context in try await status(request, context) }
        group.get(":apiRoot/collections") { request, context in try await collectionList(request, context) }
        group.get(":apiRoot/collections/:collectionID") { request, context in try await collection(request, context) }
        group.get(":apiRoot/collections/:collectionID/manifest") { request, context in try await manifest(request, context) }
        group.get(":apiRoot/collections/:collectionID/objects") { request, context in try await getObjects(request, context) }
        group.post(":apiRoot/collections/:collectionID/objects") { request, context in try await addObjects(request, context) }
        group.get(":apiRoot/collections/:collectionID/objects/:objectID") { request, context in
            try await getObject(request, context)
        }
        group.delete(":apiRoot/collections/:collectionID/objects/:objectID") { request, context in
            try await deleteObject(request, context)
        }
        group.get(":apiRoot/collections/:collectionID/objects/:objectID/versions") { request, context in
            try await versions(request, context)
        }
    }

    // MARK: Server and API root

    func discovery(_ request: Request, _ context: Context) throws -> Response {
        _ = try context.requirePrincipal()
        let root = baseURL(request) + "/taxii2/\(configuration.apiRoot)/"
        return json(
            .object([
                ("title", .string("Cybex TAXII 2.1 server")),
                ("description", .string("Cybersecurity information exchange (ITU-T X.1500) for incident response teams")),
                ("default", .string(root)),
                ("api_roots", .array([.string(root)])),
            ]))
    }

    func apiRootInformation(_ request: Request, _ context: Context) throws -> Response {
        _ = try context.requirePrincipal()
        try checkAPIRoot(context)
        return json(
            .object([
                ("title", .string("Cybex")),
                ("description", .string("STIX 2.1 collections of this Cybex node")),
                ("versions", .array([.string(TAXIIMediaType.taxii)])),
                ("max_content_length", .number(String(configuration.maxContentLength))),
            ]))
    }

    func status(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        try checkAPIRoot(context)
        let id = try context.parameters.require("statusID")
        return bytes(try await collections.status(id: id, for: principal))
    }

    // MARK: Collections

    func collectionList(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        try checkAPIRoot(context)
        let views = try await collections.collections(for: principal)
        return json(.object([("collections", .array(views.map(TAXIIResources.collection)))]))
    }

    func collection(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        try checkAPIRoot(context)
        let view = try await collections.collection(id: try context.parameters.require("collectionID"), for: principal)
        return json(TAXIIResources.collection(view))
    }

    // MARK: Objects

    func manifest(_ request: Request, _ context: Context) async throws -> Response {
        var (principal, collectionID, parsed) = try readRequest(request, context, allowed: Self.readFilters)
        parsed.query.withContent = false
        let page = try await collections.objects(in: collectionID, matching: parsed.query, for: principal)
        return bytes(TAXIIDocuments.manifest(page), headers: TAXIIResources.dateHeaders(page))
    }

    func getObjects(_ request: Request, _ context: Context) async throws -> Response {
        let (principal, collectionID, parsed) = try readRequest(request, context, allowed: Self.readFilters)
        let page = try await collections.objects(in: collectionID, matching: parsed.query, for: principal)
        return bytes(TAXIIDocuments.envelope(page), headers: TAXIIResources.dateHeaders(page))
    }

    func getObject(_ request: Request, _ context: Context) async throws -> Response {
        var (principal, collectionID, parsed) = try readRequest(
            request, context, allowed: ["match[version]", "match[spec_version]", "added_after"])
        let objectID = try context.parameters.require("objectID")
        parsed.query.ids = [objectID]
        let page = try await collections.objects(in: collectionID, matching: parsed.query, for: principal)
        guard !page.records.isEmpty || parsed.raw["next"] != nil else {
            throw TAXIIError.notFound("no object '\(objectID)' in collection '\(collectionID)' matches")
        }
        return bytes(TAXIIDocuments.envelope(page), headers: TAXIIResources.dateHeaders(page))
    }

    func versions(_ request: Request, _ context: Context) async throws -> Response {
        var (principal, collectionID, parsed) = try readRequest(
            request, context, allowed: ["match[spec_version]", "added_after"])
        let objectID = try context.parameters.require("objectID")
        parsed.query.ids = [objectID]
        parsed.query.versions = .all
        parsed.query.withContent = false
        let page = try await collections.objects(in: collectionID, matching: parsed.query, for: principal)
        guard !page.records.isEmpty || parsed.raw["next"] != nil else {
            throw TAXIIError.notFound("no object '\(objectID)' in collection '\(collectionID)'")
        }
        return bytes(TAXIIDocuments.versions(page), headers: TAXIIResources.dateHeaders(page))
    }

    func deleteObject(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        try checkAPIRoot(context)
        let collectionID = try context.parameters.require("collectionID")
        let objectID = try context.parameters.require("objectID")
        let parsed = try TAXIIQuery(
            request.uri.query, allowed: ["match[version]", "match[spec_version]"], defaultLimit: 1, maxLimit: 1)
        // Without match[version], DELETE removes every version (TAXII 2.1 section 5.7).
        let versions = parsed.raw["match[version]"] == nil ? VersionSelector.all : parsed.query.versions
        _ = try await collections.delete(
            objectID: objectID, from: collectionID, versions: versions, specVersions: parsed.query.specVersions, by: principal)
        return Response(status: .ok, headers: [.contentType: TAXIIMediaType.taxii])
    }

    func addObjects(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        try checkAPIRoot(context)
        guard TAXIIMediaType.isTAXIIContent(request.headers[.contentType]) else {
            throw TAXIIError(
                .unsupportedMediaType, title: "Unsupported media type",
                description: "send the envelope as \(TAXIIMediaType.taxii)", code: "unsupported-media-type")
        }
        let collectionID = try context.parameters.require("collectionID")
        // Access is decided before a large body is read.
        let view = try await collections.writableCollection(id: collectionID, for: principal)
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maxContentLength {
            throw tooLarge()
        }
        let body: [UInt8]
        do {
            body = try await RequestBytes.collect(request, upTo: configuration.maxContentLength)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge()
        } catch is NIOTooManyBytesError {
            throw tooLarge()
        }
        let requested = SystemWallClock.nowMicroseconds()
        let statusID = Secrets.uuid()
        let userID = principal.user.id
        // The status resource is written in the objects' transaction: both exist, or neither. Its
        // bytes are kept for the response rather than written twice (a large post's status is large).
        let statusJSON = Mutex<[UInt8]>([])
        let report = try await collections.add(body, as: .envelope, to: view, by: principal) { report in
            let json = JSONWriter.bytes(TAXIIDocuments.status(id: statusID, report: report, requested: requested))
            statusJSON.withLock { $0 = json }
            return StoredStatus(id: statusID, userID: userID, createdAt: requested, json: json)
        }
        context.logger.debug(
            "objects added",
            metadata: [
                "objects": "\(report.items.count)", "ingest_ms": "\((SystemWallClock.nowMicroseconds() - requested) / 1000)",
            ])
        return bytes(statusJSON.withLock { $0 }, status: .accepted)
    }

    // MARK: Helpers

    func tooLarge() -> TAXIIError {
        TAXIIError(
            .contentTooLarge, title: "Payload too large",
            description: "the request body exceeds max_content_length (\(configuration.maxContentLength) bytes)",
            code: "too-large")
    }

    func readRequest(_ request: Request, _ context: Context, allowed: Set<String>) throws -> (Principal, String, TAXIIQuery) {
        let principal = try context.requirePrincipal()
        try checkAPIRoot(context)
        let collectionID = try context.parameters.require("collectionID")
        let parsed = try TAXIIQuery(
            request.uri.query, allowed: allowed, defaultLimit: configuration.defaultPageSize, maxLimit: configuration.maxPageSize)
        return (principal, collectionID, parsed)
    }

    func checkAPIRoot(_ context: Context) throws {
        let root = try context.parameters.require("apiRoot")
        guard root == configuration.apiRoot else { throw TAXIIError.notFound("no API root '\(root)'") }
    }

    func baseURL(_ request: Request) -> String {
        if let publicURL = configuration.publicURL { return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL }
        let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        return (configuration.usesTLS ? "https://" : "http://") + host
    }

    func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        bytes(JSONWriter.bytes(value), status: status)
    }

    func bytes(_ body: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = TAXIIMediaType.taxii
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
