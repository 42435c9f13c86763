import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The request log: one line per request at `info`, with the request's id, method and path (the
/// path with its query: values that are personal data are sent in bodies, never in URLs, see
/// SECURITY.md). Under `cybex serve`'s JSON logs the line is written straight into the log sink,
/// without swift-log's metadata dictionaries, so that the default level costs a small request
/// little more than `--log-level warning` does; under any other log handler it goes through the
/// request's logger.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        let logger = context.logger
        if logger.logLevel <= .info {
            let method = request.method.rawValue
            let path = request.uri.description
            if let handler = logger.handler as? JSONLogHandler {
                var metadata = handler.metadata
                metadata["hb.request.method"] = .string(method)
                metadata["hb.request.path"] = .string(path)
                handler.write(level: .info, message: "Request", metadata: metadata)
            } else {
                logger.info("Request", metadata: ["hb.request.method": .string(method), "hb.request.path": .string(path)])
            }
        }
        return try await next(request, context)
    }
}
