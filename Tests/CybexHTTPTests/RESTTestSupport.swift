import CybexCore
import CybexEngine
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// REST test helpers over ``TAXIITestNode``: an administrator `root` (organisation `cert`) is
/// added, and requests are JSON.
extension TAXIITestNode {
    static func makeREST(maxContentLength: Int = 1 << 20) async throws -> TAXIITestNode {
        let node = try await TAXIITestNode.make(maxContentLength: maxContentLength)
        let admin = Administration(store: node.store, hasher: hasher, actor: "test")
        _ = try await admin.addUser(username: "root", organisation: "cert", role: .admin, password: password)
        return node
    }

    static func rest(_ user: String, password: String = TAXIITestNode.password) -> HTTPFields {
        let token = Data("\(user):\(password)".utf8).base64EncodedString()
        return [.authorization: "Basic \(token)", .accept: "application/json", .contentType: "application/json"]
    }

    static func bearer(_ secret: String) -> HTTPFields {
        [.authorization: "Bearer \(secret)", .accept: "application/json", .contentType: "application/json"]
    }
}

extension TestClientProtocol {
    /// Sends a JSON request and returns the status and the parsed body (an empty dictionary when
    /// the body is not a JSON object).
    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ uri: String, _ headers: HTTPFields, json body: String? = nil
    ) async throws -> (status: HTTPResponse.Status, json: [String: Any], text: String) {
        try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            let text = String(buffer: response.body)
            let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            return (response.status, json, text)
        }
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The REST error code of an error body.
    var errorCode: String? { (self["error"] as? [String: Any])?["code"] as? String }
    var errorField: String? { (self["error"] as? [String: Any])?["field"] as? String }
}
