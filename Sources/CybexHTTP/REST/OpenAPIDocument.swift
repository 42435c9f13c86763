import CybexCore
import CybexFormats

/// The OpenAPI 3.1 description of the REST API, served at `/api/openapi.json` (docs/API.md).
/// Built from ``operations``, the one list of every `/api/v1` route; a test checks it against
/// the routes the router registers, both ways. Later capabilities add their operations here.
enum OpenAPIDocument {
    /// One operation: a method on a path (`{name}` for path parameters, as in OpenAPI).
    struct Operation: Sendable {
        var method: String
        var path: String
        var id: String
        var tag: String
        var summary: String
        var query: [(name: String, description: String, schema: JSONValue)] = []
        /// The request body's schema (`application/json`), if any.
        var body: JSONValue? = nil
        /// Whether the body must be sent (an action whose fields are all optional takes none).
        var bodyRequired = true
        /// Whether the body may also be sent as `text/csv` (a file as the command line imports it).
        var csvBody = false
        /// Whether the body is an XML document (`application/xml`) instead of JSON: `body` is ignored.
        var xmlBody = false
        /// Whether the success response is an XML document (`application/xml`).
        var xmlResponse = false
        /// The success status and its response schema (nil: no body).
        var success: (status: Int, description: String, schema: JSONValue?)
        /// Error statuses besides 400 and 401 (every operation can answer those: unknown query
        /// parameters, missing credentials).
        var errors: [Int] = []
    }

    static let version = "1.0.0"

    static func document() -> JSONValue {
        var paths: [(key: String, value: JSONValue)] = []
        for operation in operations + ridOperations + vulnerabilityOperations {
            let item = (operation.method.lowercased(), self.operation(operation))
            if let index = paths.firstIndex(where: { $0.key == operation.path }), case .object(var members) = paths[index].value {
                members.append(item)
                paths[index].value = .object(members)
            } else {
                paths.append((operation.path, .object([item])))
            }
        }
        return .object([
            ("openapi", .string("3.1.0")),
            (
                "info",
                .object([
                    ("title", .string("Cybex REST API")),
                    ("version", .string(version)),
                    (
                        "description",
                        .string(
                            "Organisations, users, API tokens, sharing groups, collections and their STIX 2.1 objects, and the audit log of a Cybex node. Every object read applies the sharing policy exactly as TAXII does; what the caller may not see answers 404. TLP:RED recipients are given with the `recipients` field of POST /collections/{id}/objects. See docs/API.md."
                        )
                    ),
                    ("license", .object([("name", .string("See the Cybex repository"))])),
                ])
            ),
            ("servers", .array([.object([("url", .string("/api/v1"))])])),
            ("security", .array([.object([("basic", .array([]))]), .object([("bearer", .array([]))])])),
            (
                "tags",
                .array(
                    [
                        "organisations", "users", "tokens", "sharing-groups", "collections", "cases", "rid", "vulnerabilities",
                        "policies", "audit",
                    ].map {
                        .object([("name", .string($0))])
                    })
            ),
            ("paths", .object(paths)),
            ("components", components()),
        ])
    }

    static func operation(_ operation: Operation) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("operationId", .string(operation.id)),
            ("tags", .array([.string(operation.tag)])),
            ("summary", .string(operation.summary)),
        ]
        var parameters: [JSONValue] = pathParameters(operation.path).map { name in
            .object([
                ("name", .string(name)), ("in", .string("path")), ("required", .bool(true)),
                ("schema", string),
            ])
        }
        parameters += operation.query.map { parameter in
            .object([
                ("name", .string(parameter.name)), ("in", .string("query")), ("required", .bool(false)),
                ("description", .string(parameter.description)), ("schema", parameter.schema),
            ])
        }
        if !parameters.isEmpty { members.append(("parameters", .array(parameters))) }
        if operation.xmlBody {
            members.append(
                (
                    "requestBody",
                    .object([
                        ("required", .bool(true)),
                        ("content", .object([("application/xml", .object([("schema", string)]))])),
                    ])
                ))
        } else if let body = operation.body {
            members.append(
                (
                    "requestBody",
                    .object([
                        ("required", .bool(operation.bodyRequired)),
                        (
                            "content",
                            .object(
                                [("application/json", .object([("schema", body)]))]
                                    + (operation.csvBody ? [("text/csv", .object([("schema", string)]))] : []))
                        ),
                    ])
                ))
        }
        var responses: [(key: String, value: JSONValue)] = []
        var success: [(key: String, value: JSONValue)] = [("description", .string(operation.success.description))]
        if let schema = operation.success.schema {
            let mediaType = operation.xmlResponse ? "application/xml" : "application/json"
            success.append(("content", .object([(mediaType, .object([("schema", schema)]))])))
        }
        responses.append((String(operation.success.status), .object(success)))
        for status in Set([400, 401] + operation.errors).sorted() {
            responses.append((String(status), .object([("$ref", .string("#/components/responses/\(status)"))])))
        }
        members.append(("responses", .object(responses)))
        return .object(members)
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? String(segment.dropFirst().dropLast()) : nil
        }
    }

    // MARK: Schema vocabulary

    static let string: JSONValue = .object([("type", .string("string"))])
    static let nullableString: JSONValue = .object([("type", .array([.string("string"), .string("null")]))])
    static let boolean: JSONValue = .object([("type", .string("boolean"))])
    static let integer: JSONValue = .object([("type", .string("integer")), ("minimum", .number("0"))])
    static let dateTime: JSONValue = .object([("type", .string("string")), ("format", .string("date-time"))])
    static let nullableDateTime: JSONValue = .object([
        ("type", .array([.string("string"), .string("null")])), ("format", .string("date-time")),
    ])
    static let tlp: JSONValue = .object([
        ("type", .string("string")),
        ("enum", .array(TLPLevel.allCases.map { .string($0.rawValue) })),
    ])
    static let nullableTLP: JSONValue = .object([
        ("type", .array([.string("string"), .string("null")])),
        ("enum", .array(TLPLevel.allCases.map { .string($0.rawValue) } + [.null])),
    ])
    static let bundle: JSONValue = .object([
        ("type", .string("object")), ("description", .string("a STIX 2.1 bundle")),
        ("required", .array([.string("type"), .string("id")])),
    ])
    static let versionSelector: JSONValue = .object([
        ("type", .string("string")), ("enum", .array(["last", "first", "all"].map(JSONValue.string))),
    ])
    static let nullableInteger: JSONValue = .object([("type", .array([.string("integer"), .string("null")]))])
    static let destination: JSONValue = .object([
        ("type", .string("string")), ("enum", .array(RedactionPolicy.Destination.allCases.map { .string($0.rawValue) })),
    ])
    static let limit: JSONValue = .object([("type", .string("integer")), ("minimum", .number("1"))])

    static func ref(_ name: String) -> JSONValue { .object([("$ref", .string("#/components/schemas/\(name)"))]) }
    static func array(_ items: JSONValue) -> JSONValue { .object([("type", .string("array")), ("items", items)]) }

    static func object(_ properties: [(String, JSONValue)], required: [String], additional: Bool = false) -> JSONValue {
        .object([
            ("type", .string("object")),
            ("properties", .object(properties.map { (key: $0.0, value: $0.1) })),
            ("required", .array(required.map(JSONValue.string))),
            ("additionalProperties", .bool(additional)),
        ])
    }

    static func list(_ key: String, of schema: String) -> JSONValue {
        object([(key, array(ref(schema)))], required: [key])
    }

    static func described(_ schema: JSONValue, _ description: String) -> JSONValue {
        guard case .object(var members) = schema else { return schema }
        members.append(("description", .string(description)))
        return .object(members)
    }

    static func components() -> JSONValue {
        let errorResponses: [(key: String, value: JSONValue)] = [
            (400, "Invalid input; `error.field` names the field or parameter"),
            (401, "No valid credentials (a `WWW-Authenticate` challenge for Basic and Bearer is sent)"),
            (403, "Authenticated, but the role does not allow this operation"),
            (404, "No such resource, or one the caller may not see"),
            (409, "Conflicts with the current state (a name taken, a membership already there, a cycle of parents)"),
            (413, "The request body is larger than the server accepts"),
            (415, "The request body is not application/json"),
            (503, "The node does not run the service asked for (RID without --rid-port)"),
        ].map { status, description in
            (
                String(status),
                .object([
                    ("description", .string(description)),
                    ("content", .object([("application/json", .object([("schema", ref("Error"))]))])),
                ])
            )
        }
        return .object([
            (
                "securitySchemes",
                .object([
                    ("basic", .object([("type", .string("http")), ("scheme", .string("basic"))])),
                    (
                        "bearer",
                        .object([
                            ("type", .string("http")), ("scheme", .string("bearer")),
                            ("description", .string("An API token (`cbx_…`) from POST /tokens or `cybex token create`")),
                        ])
                    ),
                ])
            ),
            ("responses", .object(errorResponses)),
            ("schemas", .object(schemas())),
        ])
    }
}
