import CybexCore
import CybexFormats
import Foundation
import Hummingbird
import NIOCore

/// A REST request body: one JSON object, read with the strict ``JSONReader`` (duplicate keys,
/// invalid UTF-8, excessive depth refused) after checking its media type and size, with typed
/// accessors that name the offending field in their errors.
struct RESTBody {
    let members: [(key: String, value: JSONValue)]
    /// The body as received.
    let bytes: [UInt8]

    /// Reads the body of `request`: 415 unless it is `application/json`, 413 beyond `maxLength`
    /// bytes (checked before reading when the length is declared), 400 unless it is a JSON object
    /// whose keys are all in `allowed`.
    static func read(_ request: Request, maxLength: Int, allowed: Set<String>) async throws -> RESTBody {
        guard let body = try await read(request, maxLength: maxLength, allowed: allowed, optional: false) else {
            throw RESTError(.badRequest, code: "invalid-json", "the request body must be a JSON object")
        }
        return body
    }

    /// As ``read(_:maxLength:allowed:)``; when `optional`, an empty body (of any media type, or none)
    /// is nil. A body that is not empty must still be JSON: an action never runs with its fields
    /// silently dropped (a `{"dry_run": true}` sent without a media type is refused, not ignored).
    static func read(_ request: Request, maxLength: Int, allowed: Set<String>, optional: Bool) async throws -> RESTBody? {
        let declared = request.headers[.contentLength].flatMap(Int.init)
        if optional, declared == 0 { return nil }
        // A required body's media type is checked before anything is read.
        if !optional, !isJSON(request.headers[.contentType]) { throw unsupportedMediaType }
        if let declared, declared > maxLength { throw tooLarge(maxLength) }
        let buffer: [UInt8]
        do {
            buffer = try await RequestBytes.collect(request, upTo: maxLength)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge(maxLength)
        } catch is NIOTooManyBytesError {
            throw tooLarge(maxLength)
        }
        if optional, buffer.isEmpty { return nil }
        guard isJSON(request.headers[.contentType]) else { throw unsupportedMediaType }
        let value: JSONValue
        do {
            value = try JSONReader.parse(buffer)
        } catch {
            throw RESTError(.badRequest, code: "invalid-json", "the request body is not valid JSON: \(error.description)")
        }
        guard let members = value.objectMembers else {
            throw RESTError(.badRequest, code: "invalid-json", "the request body must be a JSON object, not \(value.kindName)")
        }
        for member in members where !allowed.contains(member.key) {
            throw RESTError.invalid(
                member.key, "unknown field '\(member.key)'; this endpoint takes \(allowed.sorted().joined(separator: ", "))")
        }
        return RESTBody(members: members, bytes: buffer)
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces).lowercased()
        return mediaType == "application/json"
    }

    static let unsupportedMediaType = RESTError(
        .unsupportedMediaType, code: "unsupported-media-type", "send the request body as application/json")

    static func tooLarge(_ maxLength: Int) -> RESTError {
        RESTError(.contentTooLarge, code: "too-large", "the request body exceeds \(maxLength) bytes")
    }

    subscript(key: String) -> JSONValue? {
        members.first { $0.key == key }?.value
    }

    /// Whether `key` is present (null included).
    func has(_ key: String) -> Bool { self[key] != nil }

    /// A required string. Like every string accessor, it refuses control characters (C0 with NUL,
    /// DEL, C1; ``ControlCharacters``) other than those in `allowing`, with 400 naming the field: a
    /// NUL would otherwise reach SQLite or bcrypt, which stop at it.
    func string(_ key: String, allowing: Set<Unicode.Scalar> = []) throws -> String {
        guard let value = try optionalString(key, allowing: allowing) else {
            throw RESTError.invalid(key, "'\(key)' is required")
        }
        return value
    }

    /// A string, or nil when absent or null.
    func optionalString(_ key: String, allowing: Set<Unicode.Scalar> = []) throws -> String? {
        switch self[key] {
        case nil, .null?: return nil
        case .string(let text)?: return try Self.checked(text, field: key, allowing: allowing)
        case let value?: throw RESTError.invalid(key, "'\(key)' must be a string, not \(value.kindName)")
        }
    }

    /// `text` when it holds no control character other than those in `allowing`; else 400 naming `field`.
    static func checked(_ text: String, field: String, allowing: Set<Unicode.Scalar> = []) throws -> String {
        do {
            try ControlCharacters.refuse(in: text, field: field, allowing: allowing)
        } catch {
            throw RESTError.invalid(field, error.description)
        }
        return text
    }

    /// nil when absent (leave unchanged), `.some(nil)` for null (clear), else the string.
    func patchString(_ key: String) throws -> String?? {
        switch self[key] {
        case nil: return .none
        case .null?: return .some(nil)
        case .string(let text)?: return .some(try Self.checked(text, field: key))
        case let value?: throw RESTError.invalid(key, "'\(key)' must be a string or null, not \(value.kindName)")
        }
    }

    func optionalBool(_ key: String) throws -> Bool? {
        switch self[key] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case let value?: throw RESTError.invalid(key, "'\(key)' must be true or false, not \(value.kindName)")
        }
    }

    /// A list of non-empty strings of at most 200 characters, at most `maxCount` of them; nil when absent.
    func stringList(_ key: String, maxCount: Int = 1000) throws -> [String]? {
        switch self[key] {
        case nil, .null?: return nil
        case .array(let values)?:
            guard values.count <= maxCount else { throw RESTError.invalid(key, "'\(key)' takes at most \(maxCount) values") }
            return try values.enumerated().map { index, value in
                guard let text = value.stringValue, !text.isEmpty, text.count <= 200 else {
                    throw RESTError.invalid(
                        "\(key)[\(index)]", "each entry of '\(key)' must be a non-empty string of at most 200 characters")
                }
                return try Self.checked(text, field: "\(key)[\(index)]")
            }
        case let value?: throw RESTError.invalid(key, "'\(key)' must be a list of strings, not \(value.kindName)")
        }
    }

    /// A TLP level, written as its name (`amber+strict`) or label (`TLP:AMBER+STRICT`).
    static func tlp(_ text: String, field: String) throws -> TLPLevel {
        var name = text.lowercased()
        if name.hasPrefix("tlp:") { name.removeFirst(4) }
        guard let level = TLPLevel(rawValue: name) else {
            throw RESTError.invalid(field, "'\(text)' is not a TLP level: use clear, green, amber, amber+strict or red")
        }
        return level
    }
}
