import CybexFormats
public import Hummingbird

/// An error of the REST API (`/api/…`), answered as `{"error": {"code": …, "message": …}}` with
/// `field` added when one input field is at fault (docs/API.md, "Errors").
public struct RESTError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// A stable, machine-readable code such as `invalid-argument` or `not-found`.
    public var code: String
    public var message: String
    /// The request body field or query parameter at fault, e.g. `recipients[2]`.
    public var field: String?
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, field: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers
    }

    /// 400 for one field of the input.
    static func invalid(_ field: String, _ message: String) -> RESTError {
        RESTError(.badRequest, code: "invalid-argument", message, field: field)
    }

    static func notFound(_ message: String) -> RESTError {
        RESTError(.notFound, code: "not-found", message)
    }

    static func forbidden(_ message: String) -> RESTError {
        RESTError(.forbidden, code: "forbidden", message)
    }

    /// The REST form of an error that was raised as a TAXII error resource (authentication
    /// challenges, Hummingbird's own 404/405/413), keeping its status and headers.
    init(_ error: TAXIIError) {
        let code = error.errorCode ?? Self.code(for: error.status)
        self.init(
            error.status, code: code, error.errorDescription ?? error.title, headers: error.headers)
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .badRequest: "bad-request"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .notFound: "not-found"
        case .methodNotAllowed: "method-not-allowed"
        case .conflict: "conflict"
        case .contentTooLarge: "too-large"
        case .unsupportedMediaType: "unsupported-media-type"
        default: status.code >= 500 ? "internal-error" : "error"
        }
    }

    /// The error as JSON.
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("code", .string(code)), ("message", .string(message))]
        if let field { members.append(("field", .string(field))) }
        return .object([("error", .object(members))])
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(json))))
    }
}
