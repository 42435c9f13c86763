import CybexCore
public import CybexFormats
import Foundation

/// A TAXII 2.1 client, for the feeds and the federation that read other nodes: discovery, API
/// roots' collections, paged object reads, posts and their status, over any ``HTTPTransport``.
/// Every answer is checked for its media type, bounded in size and parsed by the strict
/// `JSONReader`; a TAXII error resource becomes a ``TAXIIClientError`` with its title and
/// description.
public struct TAXIIClient: Sendable {
    /// How the client signs in.
    public enum Credential: Sendable, Hashable {
        case none
        case basic(username: String, password: String)
        case bearer(token: String)
    }

    let transport: any HTTPTransport
    let credential: Credential
    /// The largest answer read, in bytes.
    public var maxResponseBytes: Int

    public init(transport: any HTTPTransport, credential: Credential = .none, maxResponseBytes: Int = 64 << 20) {
        self.transport = transport
        self.credential = credential
        self.maxResponseBytes = maxResponseBytes
    }

    // MARK: Resources

    public struct Discovery: Sendable, Hashable {
        public var title: String
        public var description: String?
        public var defaultRoot: String?
        public var apiRoots: [String]
    }

    public struct Collection: Sendable, Hashable {
        public var id: String
        public var title: String
        public var canRead: Bool
        public var canWrite: Bool
    }

    /// One page of a collection's objects, and where the next one starts.
    public struct ObjectsPage: Sendable {
        public var objects: [JSONValue]
        public var more: Bool
        /// The `next` to pass for the following page, when the server gave one.
        public var next: String?
        /// `X-TAXII-Date-Added-Last`: the `added_after` of a later poll.
        public var dateAddedLast: String?

        /// The page's objects as a TAXII envelope, ready for the ingest entry.
        public var envelope: [UInt8] { JSONWriter.bytes(.object([("objects", .array(objects))])) }
    }

    public struct Status: Sendable, Hashable {
        public var id: String
        public var status: String
        public var totalCount: Int
        public var successCount: Int
        public var failureCount: Int
        public var pendingCount: Int
    }

    // MARK: Calls

    /// The server's discovery resource (`GET {url}`, conventionally `…/taxii2/`).
    public func discovery(_ url: String) async throws -> Discovery {
        let value = try await get(url)
        return Discovery(
            title: try Self.string(value, "title"), description: value["description"]?.stringValue,
            defaultRoot: value["default"]?.stringValue, apiRoots: value["api_roots"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    /// The collections of an API root that the credential may see.
    public func collections(apiRoot: String) async throws -> [Collection] {
        let value = try await get(Self.join(apiRoot, "collections/"))
        return try (value["collections"]?.arrayValue ?? []).map { entry in
            Collection(
                id: try Self.string(entry, "id"), title: try Self.string(entry, "title"),
                canRead: entry["can_read"]?.boolValue ?? false, canWrite: entry["can_write"]?.boolValue ?? false)
        }
    }

    /// One page of a collection's objects (`added_after`, `next`, `limit`, `match[type]` as given).
    public func objects(
        apiRoot: String, collectionID: String, addedAfter: String? = nil, next: String? = nil, limit: Int? = nil,
        types: [String]? = nil
    ) async throws -> ObjectsPage {
        var query: [(String, String)] = []
        if let addedAfter { query.append(("added_after", addedAfter)) }
        if let next { query.append(("next", next)) }
        if let limit { query.append(("limit", String(limit))) }
        if let types { query.append(("match[type]", types.joined(separator: ","))) }
        let url = Self.join(apiRoot, "collections/\(Self.segment(collectionID))/objects/") + Self.queryString(query)
        let response = try await send(OutboundRequest(method: "GET", url: url, headers: headers(accept: true)))
        let value = try parse(response)
        return ObjectsPage(
            objects: value["objects"]?.arrayValue ?? [], more: value["more"]?.boolValue ?? false,
            next: value["next"]?.stringValue, dateAddedLast: response.header("X-TAXII-Date-Added-Last"))
    }

    /// Every object of a collection, page after page, handed to `page` as each arrives (a feed's
    /// poll); returns the last `X-TAXII-Date-Added-Last` seen, for the next poll's `addedAfter`.
    public func pollObjects(
        apiRoot: String, collectionID: String, addedAfter: String? = nil, limit: Int? = nil,
        page: (ObjectsPage) async throws -> Void
    ) async throws -> String? {
        var next: String?
        var last = addedAfter
        var pages = 0
        repeat {
            let current = try await objects(
                apiRoot: apiRoot, collectionID: collectionID, addedAfter: addedAfter, next: next, limit: limit)
            try await page(current)
            last = current.dateAddedLast ?? last
            guard current.more, let following = current.next, following != next else { break }
            next = following
            pages += 1
        } while pages < Self.maximumPages
        return last
    }

    /// The most pages one poll follows (a server whose `next` never ends cannot hold a poll forever).
    public static let maximumPages = 100_000

    /// Posts an envelope to a collection; returns its status resource.
    public func addObjects(apiRoot: String, collectionID: String, envelope: [UInt8]) async throws -> Status {
        var request = OutboundRequest(
            method: "POST", url: Self.join(apiRoot, "collections/\(Self.segment(collectionID))/objects/"),
            headers: headers(accept: true), body: envelope)
        request.headers.append(.init("Content-Type", TAXIIMediaType.taxii))
        return try Self.status(try parse(try await send(request)))
    }

    /// A status resource of the API root.
    public func status(apiRoot: String, id: String) async throws -> Status {
        try Self.status(try await get(Self.join(apiRoot, "status/\(Self.segment(id))/")))
    }

    // MARK: Plumbing

    func get(_ url: String) async throws -> JSONValue {
        try parse(try await send(OutboundRequest(method: "GET", url: url, headers: headers(accept: true))))
    }

    func send(_ request: OutboundRequest) async throws -> InboundResponse {
        try await transport.send(request, maxResponseBytes: maxResponseBytes)
    }

    func headers(accept: Bool) -> [OutboundRequest.Header] {
        var headers: [OutboundRequest.Header] = []
        if accept { headers.append(.init("Accept", TAXIIMediaType.taxii)) }
        switch credential {
        case .none: break
        case .basic(let username, let password):
            headers.append(.init("Authorization", "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()))
        case .bearer(let token):
            headers.append(.init("Authorization", "Bearer \(token)"))
        }
        return headers
    }

    /// The answer's JSON; a TAXII error resource (or any answer that is not 2xx) as a ``TAXIIClientError``.
    func parse(_ response: InboundResponse) throws -> JSONValue {
        let value = try? JSONReader.parse(response.body)
        guard (200..<300).contains(response.status) else {
            throw TAXIIClientError(
                status: response.status, title: value?["title"]?.stringValue ?? "HTTP \(response.status)",
                detail: value?["description"]?.stringValue, errorCode: value?["error_code"]?.stringValue)
        }
        guard TAXIIMediaType.isTAXIIContent(response.header("Content-Type")) else {
            throw TAXIIClientError(
                status: response.status, title: "Not a TAXII 2.1 answer",
                detail: "the server answered with \(response.header("Content-Type") ?? "no media type")", errorCode: nil)
        }
        guard let value, case .object = value else {
            throw TAXIIClientError(
                status: response.status, title: "Invalid TAXII answer", detail: "the body is not a JSON object",
                errorCode: nil)
        }
        return value
    }

    static func status(_ value: JSONValue) throws -> Status {
        func count(_ key: String) -> Int { value[key]?.integerValue.flatMap { Int(exactly: $0) } ?? 0 }
        return Status(
            id: try string(value, "id"), status: try string(value, "status"), totalCount: count("total_count"),
            successCount: count("success_count"), failureCount: count("failure_count"), pendingCount: count("pending_count"))
    }

    static func string(_ value: JSONValue, _ key: String) throws -> String {
        guard let text = value[key]?.stringValue else {
            throw TAXIIClientError(status: 200, title: "Invalid TAXII answer", detail: "'\(key)' is missing", errorCode: nil)
        }
        return text
    }

    static func join(_ base: String, _ path: String) -> String {
        base.hasSuffix("/") ? base + path : base + "/" + path
    }

    /// `text` as one path segment (percent-encoded).
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }

    static func queryString(_ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+")
        return "?"
            + pairs.map { key, value in
                (key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key) + "="
                    + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
            }.joined(separator: "&")
    }
}

/// A TAXII server's refusal, or an answer that is not TAXII 2.1.
public struct TAXIIClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var title: String
    /// The error resource's `description`.
    public var detail: String?
    public var errorCode: String?

    public var description: String {
        "TAXII server answered \(status): \(title)" + (detail.map { " — \($0)" } ?? "")
    }
}
