import CybexCore
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("TAXII pagination")
struct PaginationTests {
    /// Pages through the collection with `next`, alternating between two server instances on the
    /// same database (as two processes behind a load balancer would), while another task keeps
    /// adding objects. No record may be skipped or repeated: the `next` token holds no server state.
    @Test("limit/next stays exact across concurrent writes and server processes")
    func exactUnderConcurrentWrites() async throws {
        let node = try await TAXIITestNode.make(maxContentLength: 16 << 20)
        let secondStore = try node.secondProcessStore()
        let first = node.application()
        let second = node.application(store: secondStore)
        let initial = (0..<1500).map { Fixture.indicator($0) }
        try await first.test(.router) { clientA in
            try await second.test(.router) { clientB in
                try await clientA.execute(
                    uri: node.objectsPath, method: .post, headers: TAXIITestNode.posting("analyst"), body: Fixture.envelope(initial)
                ) { #expect($0.json["success_count"] as? Int == 1500) }

                let writer = Task {
                    for batch in 0..<10 {
                        let objects = (0..<100).map { Fixture.indicator(10_000 + batch * 100 + $0) }
                        _ = try await clientB.execute(
                            uri: node.objectsPath, method: .post, headers: TAXIITestNode.posting("analyst"), body: Fixture.envelope(objects))
                    }
                }
                var seen: [String] = []
                var lastAdded = ""
                var next: String? = nil
                var page = 0
                repeat {
                    let client = page % 2 == 0 ? clientA : clientB
                    let uri = node.objectsPath + "?limit=97" + (next.map { "&next=\($0)" } ?? "")
                    let response = try await client.execute(uri: uri, method: .get, headers: TAXIITestNode.basic("reader"))
                    #expect(response.status == .ok)
                    let objects = response.json["objects"] as? [[String: Any]] ?? []
                    #expect(objects.count <= 97)
                    seen += objects.compactMap { $0["id"] as? String }
                    if let firstAdded = response.headers[HTTPField.Name("X-TAXII-Date-Added-First")!] {
                        #expect(firstAdded > lastAdded, "pages must ascend by date_added")
                        lastAdded = response.headers[HTTPField.Name("X-TAXII-Date-Added-Last")!] ?? lastAdded
                    }
                    next = (response.json["more"] as? Bool == true) ? response.json["next"] as? String : nil
                    page += 1
                } while next != nil && page < 1000
                try await writer.value

                #expect(Set(seen).count == seen.count, "no record may be returned twice")
                // Every record added up to the last position read must have been read.
                let all = try await node.store.objects(in: node.collectionID, matching: ObjectQuery(limit: 100_000, withContent: false))
                let lastMicros = all.records.first { record in seen.last == record.id }?.dateAdded ?? 0
                let expected = all.records.filter { $0.dateAdded <= lastMicros }.map(\.id)
                #expect(seen == expected)
                #expect(seen.count >= 1500)
            }
        }
        try await secondStore.close()
    }
}
