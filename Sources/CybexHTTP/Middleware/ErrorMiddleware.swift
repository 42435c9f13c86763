import CybexEngine
import CybexFormats
import HTTPTypes
import Hummingbird
import Logging

/// Turns every error into a response with a body, so clients always get a readable reason: on
/// the REST API (`/api/…`) the REST error shape `{"error": {"code", "message"}}` (``RESTError``),
/// elsewhere TAXII error resources (JSON with `title`, `description`, `error_code`,
/// `http_status`). Unexpected errors are logged and answered with a generic 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        let isREST = request.uri.path.hasPrefix("/api/")
        do {
            return try await next(request, context)
        } catch let error as RESTError {
            return try error.response(from: request, context: context)
        } catch let error as TAXIIError {
            if isREST { return try RESTError(error).response(from: request, context: context) }
            return try error.response(from: request, context: context)
        } catch {
            let translated = Self.translate(error, context: context)
            if isREST { return try RESTError(translated).response(from: request, context: context) }
            return try translated.response(from: request, context: context)
        }
    }

    static func translate(_ error: any Error, context: Context) -> TAXIIError {
        // A store's conflict or absence reaches an adapter as the Engine's error of the same code.
        switch EngineError(translating: error) ?? error {
        case let error as EngineError:
            switch error.code {
            case .notFound:
                return TAXIIError(.notFound, title: "Not found", description: error.message, code: error.code.rawValue)
            case .forbidden:
                return TAXIIError(.forbidden, title: "Forbidden", description: error.message, code: error.code.rawValue)
            case .conflict: return TAXIIError(.conflict, title: "Conflict", description: error.message, code: error.code.rawValue)
            case .tooLarge:
                return TAXIIError(
                    .contentTooLarge, title: "Payload too large", description: error.message, code: error.code.rawValue)
            case .invalidArgument:
                return TAXIIError(.badRequest, title: "Bad request", description: error.message, code: error.code.rawValue)
            default:
                // A code no answer is defined for: a fault of the server, logged with where it was raised.
                context.logger.error(
                    "request failed", metadata: ["error": "\(error.code): \(error.message)", "at": "\(error.location)"])
                return TAXIIError(
                    .internalServerError, title: "Internal server error",
                    description: "the server could not complete the request; the error was logged")
            }
        case let error as BodyBudgetError:
            var headers = HTTPFields()
            headers[.retryAfter] = String(error.retryAfterSeconds)
            let busy = error.code == .userBusy
            return TAXIIError(
                busy ? .tooManyRequests : .serviceUnavailable, title: busy ? "Too many uploads in progress" : "Server busy",
                description: error.message, code: error.code.rawValue, headers: headers)
        case let error as STIXDocumentError:
            return TAXIIError(.badRequest, title: "Invalid TAXII envelope", description: error.message, code: error.code.rawValue)
        case let error as HTTPError:
            let title: String =
                switch error.status {
                case .notFound: "Not found"
                case .contentTooLarge: "Payload too large"
                case .methodNotAllowed: "Method not allowed"
                default: error.status.reasonPhrase
                }
            let description: String =
                switch error.status {
                case .notFound: "no such resource"
                case .contentTooLarge: "the request body is larger than the server accepts (see max_content_length)"
                default: error.body ?? error.status.reasonPhrase
                }
            return TAXIIError(error.status, title: title, description: description, headers: error.headers)
        default:
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return TAXIIError(
                .internalServerError, title: "Internal server error",
                description: "the server could not complete the request; the error was logged")
        }
    }
}
