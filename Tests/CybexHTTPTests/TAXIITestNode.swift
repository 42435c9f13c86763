import CybexCore
import CybexEngine
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// A Cybex node for HTTP tests: a fresh SQLite store in a temporary folder with an admin, an analyst
/// and a reader of another organisation, and one collection.
struct TAXIITestNode {
    let folder: URL
    let store: SQLiteStore
    let collectionID: String
    var configuration: ServerConfiguration
    static let hasher = PasswordHasher(cost: 4)
    static let password = "correct horse battery"

    static func make(maxContentLength: Int = 1 << 20, loginThrottle: LoginThrottlePolicy = .standard) async throws
        -> TAXIITestNode
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cybex-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: folder.appendingPathComponent("cybex.sqlite").path)
        try await store.migrate()
        let admin = Administration(store: store, hasher: hasher, actor: "test")
        _ = try await admin.addOrganisation(name: "cert")
        _ = try await admin.addOrganisation(name: "isp")
        _ = try await admin.addOrganisation(name: "outsider")
        _ = try await admin.addUser(username: "analyst", organisation: "cert", role: .analyst, password: password)
        _ = try await admin.addUser(username: "reader", organisation: "isp", role: .reader, password: password)
        _ = try await admin.addUser(username: "stranger", organisation: "outsider", role: .analyst, password: password)
        let collection = try await admin.addCollection(
            title: "Indicators", description: "test", readers: ["cert", "isp"], writers: ["cert"])
        return TAXIITestNode(
            folder: folder, store: store, collectionID: collection.id,
            configuration: ServerConfiguration(
                maxContentLength: maxContentLength, defaultPageSize: 100, maxPageSize: 500, loginThrottle: loginThrottle))
    }

    /// Another handle on the same database, as a second server process would have.
    func secondProcessStore() throws -> SQLiteStore {
        try SQLiteStore(path: folder.appendingPathComponent("cybex.sqlite").path)
    }

    func application(store: (any Store)? = nil) -> some ApplicationProtocol {
        let router = CybexServer.router(configuration: configuration, store: store ?? self.store, metrics: nil, passwordHasher: Self.hasher)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return Application(router: router, logger: logger)
    }

    var objectsPath: String { "/taxii2/cybex/collections/\(collectionID)/objects/" }

    static func basic(_ user: String, _ password: String = TAXIITestNode.password) -> HTTPFields {
        let token = Data("\(user):\(password)".utf8).base64EncodedString()
        return [.authorization: "Basic \(token)", .accept: "application/taxii+json;version=2.1"]
    }

    static func posting(_ user: String) -> HTTPFields {
        var headers = basic(user)
        headers[.contentType] = "application/taxii+json;version=2.1"
        return headers
    }
}

/// STIX fixtures built in the tests.
enum Fixture {
    static func indicator(_ n: Int, id: String? = nil, modified: String = "2026-01-01T00:00:00.000Z") -> String {
        let id = id ?? "indicator--" + uuid(n)
        return """
            {"type":"indicator","spec_version":"2.1","id":"\(id)","created":"2026-01-01T00:00:00.000Z","modified":"\(modified)",\
            "name":"test \(n)","pattern":"[ipv4-addr:value = '10.0.\(n / 256 % 256).\(n % 256)']","pattern_type":"stix",\
            "valid_from":"2026-01-01T00:00:00Z"}
            """
    }

    /// A deterministic version-4 UUID for object number `n`.
    static func uuid(_ n: Int) -> String {
        let hex = String(format: "%012x", n)
        return "6ba7b810-9dad-41d1-80b4-\(hex)"
    }

    static func envelope(_ objects: [String]) -> ByteBuffer {
        ByteBuffer(string: #"{"objects":["# + objects.joined(separator: ",") + "]}")
    }
}

extension TestResponse {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]) ?? [:]
    }
}
