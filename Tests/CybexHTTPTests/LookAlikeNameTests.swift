import CybexCore
import CybexEngine
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Issue 13, finding 8d: a name that reads like one already taken (case, a no-break space, a
/// Cyrillic or Greek look-alike letter) is refused with 409, for organisations, users, sharing
/// groups and collections.
@Suite("Look-alike names")
struct LookAlikeNameTests {
    @Test(arguments: [
        ("ISP One", "isp one"), ("ISP One", "ISP\u{A0}One"), ("ISP One", "\u{0406}SP One"), ("ISP One", "  ISP   One "),
        ("ISP One", "ＩＳＰ Ｏｎｅ"), ("Paypal", "P\u{0430}yp\u{0430}l"), ("Ozon", "\u{039F}zon"), ("Strasse", "STRAßE"),
        ("cert", "ce\u{200B}rt"),
    ])
    func keysMatch(existing: String, lookAlike: String) {
        #expect(NameKey.make(existing) == NameKey.make(lookAlike), "\(lookAlike.unicodeScalars.map { $0.value })")
    }

    @Test(arguments: [("ISP One", "ISP Two"), ("cert", "cert-b"), ("Émile", "Emile"), ("ISP One", "ISPOne")])
    func keysDiffer(one: String, other: String) {
        #expect(NameKey.make(one) != NameKey.make(other))
    }

    @Test("over REST, look-alike organisations, users, sharing groups and collections are a 409")
    func lookAlikesAreConflicts() async throws {
        let node = try await TAXIITestNode.makeREST()
        let root = TAXIITestNode.rest("root")
        try await node.application().test(.live) { client in
            #expect(try await client.call(.post, "/api/v1/organisations", root, json: #"{"name": "ISP One"}"#).status == .created)
            for name in ["isp one", "ISP\\u00a0One", "\\u0406SP One", "ISP  One"] {
                let answer = try await client.call(.post, "/api/v1/organisations", root, json: #"{"name": "\#(name)"}"#)
                #expect(answer.status == .conflict, "\(name)")
                #expect(answer.json.errorCode == "conflict")
                let message = (answer.json["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains("reads like the existing organisation 'ISP One'"), "\(message)")
            }
            let user = try await client.call(
                .post, "/api/v1/users", root,
                json: #"{"username": "Analyst", "organisation": "cert", "role": "reader", "password": "long enough"}"#)
            #expect(user.status == .conflict)
            #expect(try await client.call(.post, "/api/v1/sharing-groups", root, json: #"{"name": "Region"}"#).status == .created)
            #expect(
                try await client.call(.post, "/api/v1/sharing-groups", root, json: #"{"name": "r\u0435gion"}"#).status
                    == .conflict)
            let collection = try await client.call(
                .post, "/api/v1/collections", root, json: #"{"title": "indicators", "read": [], "write": []}"#)
            #expect(collection.status == .conflict)
            let distinct = try await client.call(
                .post, "/api/v1/collections", root, json: #"{"title": "Indicators 2", "read": [], "write": []}"#)
            #expect(distinct.status == .created)
        }
        #expect(try await node.store.organisations().filter { NameKey.make($0.name) == "isp one" }.count == 1)
        #expect(try await node.store.users().count == 4)
        #expect(try await node.store.sharingGroups().count == 1)
        #expect(try await node.store.collections().count == 2)
    }
}
