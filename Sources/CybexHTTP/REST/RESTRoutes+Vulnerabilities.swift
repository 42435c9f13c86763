import CybexCore
import CybexEngine
import CybexFormats
import Hummingbird

/// Vulnerability management over REST (docs/VULNERABILITIES.md): CVSS scoring.
extension RESTRoutes {
    func registerVulnerabilities(on group: RouterGroup<Context>) {
        group.post("cvss") { request, context in try await scoreCVSS(request, context) }
    }

    /// `POST /api/v1/cvss` `{"vectors": [...]}`: one result per vector, in order, FIRST's JSON form of its
    /// scores or `{"vector", "error", "code", "metric"}`; `invalid` counts the refused ones.
    func scoreCVSS(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let body = try await readBody(request, allowed: ["vectors"])
        guard case .array(let items)? = body["vectors"] else {
            throw RESTError.invalid("vectors", "'vectors' must be an array of CVSS vector strings")
        }
        let vectors = try items.map { item in
            guard case .string(let vector) = item else {
                throw RESTError.invalid("vectors", "'vectors' must be an array of CVSS vector strings")
            }
            return vector
        }
        let results = try engine.vulnerabilities.scoreCVSS(vectors, for: principal)
        var invalid = 0
        let rendered: [JSONValue] = zip(vectors, results).map { vector, result in
            switch result {
            case .success(let scores): return scores.json
            case .failure(let error):
                invalid += 1
                guard case .object(let members) = error.json else { return error.json }
                return .object([("vector", .string(vector))] + members)
            }
        }
        return json(.object([("results", .array(rendered)), ("invalid", RESTResources.number(invalid))]))
    }
}
