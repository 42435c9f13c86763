public import Hummingbird
import CybexFormats

/// An error answered with a TAXII 2.1 error resource (TAXII 2.1 section 3.6.1).
public struct TAXIIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var errorDescription: String?
    public var errorCode: String?
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, title: String, description: String? = nil, code: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.title = title
        self.errorDescription = description
        self.errorCode = code
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var members: [(key: String, value: JSONValue)] = [("title", .string(title))]
        if let errorDescription { members.append(("description", .string(errorDescription))) }
        if let errorCode { members.append(("error_code", .string(errorCode))) }
        members.append(("http_status", .string(String(status.code))))
        var headers = self.headers
        headers[.contentType] = TAXIIMediaType.taxii
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(.object(members)))))
    }

    static func badRequest(_ description: String, code: String = "bad-request") -> TAXIIError {
        TAXIIError(.badRequest, title: "Bad request", description: description, code: code)
    }

    static func notFound(_ description: String) -> TAXIIError {
        TAXIIError(.notFound, title: "Not found", description: description, code: "not-found")
    }
}
