import CybexCore
import CybexEngine
import CybexFormats
import Hummingbird
import NIOCore

/// CSAF provider mode over HTTP (docs/VULNERABILITIES.md, "CSAF provider"): `/.well-known/csaf/provider-metadata.json`
/// for anyone; each TLP folder's `index.txt`, `changes.csv`, ROLIE feed, documents and hash files for those the
/// Engine's ``CSAFProvider`` lets read them. A document is served as the bytes published, never rewritten.
struct CSAFRoutes {
    let provider: CSAFProvider
    let publisher: CSAFProvider.Publisher
    let configuration: ServerConfiguration

    /// The provider metadata, outside authentication: it names the publisher and the folders, nothing more.
    func registerMetadata(on router: Router<CybexRequestContext>) {
        router.get("/.well-known/csaf/provider-metadata.json") { request, _ in
            let metadata = try await provider.metadata(publisher: publisher, baseURL: baseURL(request))
            return Self.response(JSONWriter.bytes(metadata), type: "application/json")
        }
    }

    func register(on group: RouterGroup<CybexRequestContext>) {
        // One route per depth: the router keeps one parameter name per position.
        group.get(":folder/:name") { request, context in
            let folder = try context.parameters.require("folder")
            let advisories = try await listed(context)
            switch try context.parameters.require("name") {
            case "index.txt":
                return Self.response(Array(CSAFProvider.index(advisories).utf8), type: "text/plain; charset=utf-8")
            case "changes.csv":
                return Self.response(Array(CSAFProvider.changes(advisories).utf8), type: "text/csv; charset=utf-8")
            case "feed-tlp-\(folder).json":
                let feed = CSAFProvider.feed(advisories, folder: folder, baseURL: baseURL(request))
                return Self.response(JSONWriter.bytes(feed), type: "application/json")
            default:
                throw Self.notFound
            }
        }
        group.get(":folder/:name/:file") { request, context in
            let folder = try context.parameters.require("folder")
            let year = try context.parameters.require("name")
            var file = try context.parameters.require("file")
            var hash: String?
            for suffix in [".sha256", ".sha512"] where file.hasSuffix(suffix) {
                hash = String(suffix.dropFirst())
                file.removeLast(suffix.count)
            }
            let advisory = try await found {
                try await provider.advisory(
                    in: folder, path: "\(year)/\(file)", for: context.principal, anonymous: configuration.csafAnonymous)
            }
            switch hash {
            case "sha256": return Self.response(Array("\(advisory.sha256)  \(file)\n".utf8), type: "text/plain; charset=utf-8")
            case "sha512": return Self.response(Array("\(advisory.sha512)  \(file)\n".utf8), type: "text/plain; charset=utf-8")
            default: return Self.response(advisory.document, type: "application/json")
            }
        }
    }

    func listed(_ context: CybexRequestContext) async throws -> [PublishedAdvisory] {
        let folder = try context.parameters.require("folder")
        guard CSAFProvider.folders.contains(folder) else { throw Self.notFound }
        return try await provider.advisories(in: folder, for: context.principal, anonymous: configuration.csafAnonymous)
    }

    func found(_ body: () async throws -> PublishedAdvisory) async throws -> PublishedAdvisory {
        do {
            return try await body()
        } catch let error as EngineError where error.code == .notFound {
            throw Self.notFound
        }
    }

    /// The node's public URL, else the request's scheme-less host as `https://HOST`.
    func baseURL(_ request: Request) -> String {
        if let url = configuration.publicURL { return url.hasSuffix("/") ? String(url.dropLast()) : url }
        let scheme = configuration.tlsCertificatePath == nil ? "http" : "https"
        return "\(scheme)://\(request.head.authority ?? "\(configuration.host):\(configuration.port)")"
    }

    static let notFound = HTTPError(.notFound, message: "no such CSAF document")

    static func response(_ bytes: [UInt8], type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
