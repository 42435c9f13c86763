import CybexFormats
import Hummingbird

/// Refuses TAXII requests whose `Accept` header excludes TAXII 2.1 JSON with 406 (TAXII 2.1 section 1.6.8).
struct NegotiationMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard TAXIIMediaType.accepts(request.headers[.accept]) else {
            throw TAXIIError(
                .notAcceptable, title: "Not acceptable", description: "this server answers with \(TAXIIMediaType.taxii)",
                code: "not-acceptable")
        }
        return try await next(request, context)
    }
}
