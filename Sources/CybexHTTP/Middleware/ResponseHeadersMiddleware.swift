import HTTPTypes
import Hummingbird

/// Headers every response carries (SECURITY.md, "Response headers"): `X-Content-Type-Options:
/// nosniff` on all of them, and `Cache-Control: no-store` on all but `/healthz`, so that no cache
/// keeps object content (TLP:AMBER and above included), administrative data or error details.
/// Runs outermost, so error responses carry them too.
struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var contentTypeOptions: HTTPField.Name { HTTPField.Name("X-Content-Type-Options")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[Self.contentTypeOptions] = "nosniff"
        if request.uri.path != "/healthz" {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
