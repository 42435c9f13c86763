import CybexCore
import CybexEngine
import CybexFormats
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// Constituent notification over real HTTP: objects posted to the node that touch a constituency
/// are queued after the commit and sent as one signed webhook digest per channel, holding exactly
/// what the organisation may see up to the channel's level; a failing receiver is retried and its
/// failure recorded.
@Suite("Notification digests")
struct NotificationTests {
    /// A webhook receiver: records each POST (headers, body) and answers with `status`.
    final class Receiver: Sendable {
        let received = Mutex<[(timestamp: String, signature: String, body: [UInt8])]>([])
        let status = Mutex<HTTPResponse.Status>(.ok)

        var application: some ApplicationProtocol {
            let router = Router()
            router.post("hook") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                let entry = (
                    request.headers[HTTPField.Name("X-Cybex-Timestamp")!] ?? "",
                    request.headers[HTTPField.Name("X-Cybex-Signature")!] ?? "", Array(buffer: body)
                )
                self.received.withLock { $0.append(entry) }
                return Response(status: self.status.withLock { $0 })
            }
            var logger = Logger(label: "receiver")
            logger.logLevel = .warning
            return Application(router: router, logger: logger)
        }
    }

    static let green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    static let amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    static let red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"

    static func indicator(_ n: Int, _ value: String, _ marking: String) -> String {
        """
        {"type":"indicator","spec_version":"2.1","id":"indicator--\(Fixture.uuid(n))","created":"2026-01-01T00:00:00.000Z",\
        "modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '\(value)']","pattern_type":"stix",\
        "valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["\(marking)"]}
        """
    }

    @Test func eachConstituentGetsOneSignedDigestOfWhatItMaySeeUpToTheChannelsLevel() async throws {
        let node = try await TAXIITestNode.make()
        defer { try? FileManager.default.removeItem(at: node.folder) }
        let engine = Engine(store: node.store, hasher: TAXIITestNode.hasher)
        // isp reads the collection; outsider does not. Both register 198.51.100.0/24.
        for name in ["isp", "outsider"] {
            _ = try await engine.constituencies.update(
                organisation: name, with: [ConstituencyEntry(kind: .network, value: "198.51.100.0/24")], replacing: true,
                actor: "test")
        }
        let receiver = Receiver()
        try await receiver.application.test(.live) { live in
            let hook = "http://127.0.0.1:\(try #require(live.port))/hook"
            let service = NotificationService(engine: engine, mail: nil, http: AsyncHTTPTransport(timeout: .seconds(30)))
            let (ispChannel, secret) = try await service.addChannel(
                organisation: "isp", kind: .webhook, target: hook,
                settings: NotificationSettings(maxLevel: .green, frequencySeconds: 1),
                actor: "test")
            let key = try #require(secret)
            _ = try await service.addChannel(
                organisation: "outsider", kind: .webhook, target: hook, settings: NotificationSettings(frequencySeconds: 1),
                actor: "test")

            // cert posts: GREEN and AMBER inside isp's network, GREEN outside it, RED inside it.
            let cert = try #require(try await node.store.user(named: "analyst"))
            let principal = Principal(
                user: cert, organisation: try #require(try await node.store.organisation(id: cert.organisationID)))
            let body = Array(
                #"{"objects":[\#(Self.indicator(1, "198.51.100.7", Self.green)),\#(Self.indicator(2, "198.51.100.8", Self.amber)),\#(Self.indicator(3, "203.0.113.1", Self.green)),\#(Self.indicator(4, "198.51.100.9", Self.red))]}"#
                    .utf8)
            _ = try await engine.collections.add(body, as: .envelope, to: node.collectionID, by: principal)

            let deliveries = try await service.deliverDue(actor: "notifications")
            // isp: one digest with the GREEN indicator only (AMBER is above its channel, RED not its to see);
            // outsider: nothing it may read, so nothing sent.
            #expect(deliveries.map(\.outcome).sorted { $0.rawValue < $1.rawValue } == [.delivered, .empty])
            let sent = receiver.received.withLock { $0 }
            #expect(sent.count == 1)
            let digest = try #require(sent.first)
            #expect(
                digest.signature == "sha256="
                    + NotificationService.signature(secret: key, timestamp: digest.timestamp, body: digest.body))
            #expect(
                digest.signature != "sha256="
                    + NotificationService.signature(secret: "other", timestamp: digest.timestamp, body: digest.body))
            let parsed = try JSONReader.parse(digest.body)
            #expect(parsed["channel"]?.stringValue == ispChannel.id)
            let ids = (parsed["bundle"]?["objects"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            #expect(ids == ["indicator--" + Fixture.uuid(1)])
            let audit = try await node.store.auditEvents(limit: 20).filter { $0.action == "notification.send" }
            #expect(audit.count == 1 && audit.first?.detail.contains("indicator--" + Fixture.uuid(1)) == true)

            // Nothing new: nothing sent. A new object while the receiver fails: retried, recorded.
            #expect(try await service.deliverDue(actor: "notifications").isEmpty)
            receiver.status.withLock { $0 = .internalServerError }
            _ = try await engine.collections.add(
                Array(#"{"objects":[\#(Self.indicator(5, "198.51.100.10", Self.green))]}"#.utf8), as: .envelope,
                to: node.collectionID, by: principal)
            try await Task.sleep(for: .milliseconds(1_100))
            let failed = try await service.deliverDue(actor: "notifications").first { $0.channel == ispChannel.id }
            #expect(failed?.outcome == .failed && failed?.error?.contains("500") == true)
            let state = try #require(try await service.channels().first { $0.0.id == ispChannel.id }?.1)
            #expect(state.failures == 1 && state.lastError?.contains("500") == true && state.deliveries == 1)
            #expect(try await node.store.auditEvents(limit: 5).contains { $0.action == "notification.failed" })
            receiver.status.withLock { $0 = .ok }
            try await Task.sleep(for: .milliseconds(1_100))
            let retried = try await service.deliverDue(actor: "notifications").first { $0.channel == ispChannel.id }
            #expect(retried?.outcome == .delivered && retried?.objects == ["indicator--" + Fixture.uuid(5)])
            #expect(try #require(try await service.channels().first { $0.0.id == ispChannel.id }?.1).failures == 0)
        }
    }

    @Test func aLargeIngestIsSentInDigestsOfAtMostAThousandWithNothingSkipped() async throws {
        let node = try await TAXIITestNode.make()
        defer { try? FileManager.default.removeItem(at: node.folder) }
        let engine = Engine(store: node.store, hasher: TAXIITestNode.hasher)
        _ = try await engine.constituencies.update(
            organisation: "isp", with: [ConstituencyEntry(kind: .network, value: "10.0.0.0/8")], replacing: true, actor: "test")
        let receiver = Receiver()
        try await receiver.application.test(.live) { live in
            let service = NotificationService(engine: engine, mail: nil, http: AsyncHTTPTransport(timeout: .seconds(30)))
            _ = try await service.addChannel(
                organisation: "isp", kind: .webhook, target: "http://127.0.0.1:\(try #require(live.port))/hook",
                settings: NotificationSettings(frequencySeconds: 1), actor: "test")
            let cert = try #require(try await node.store.user(named: "analyst"))
            let principal = Principal(
                user: cert, organisation: try #require(try await node.store.organisation(id: cert.organisationID)))
            let objects = (0..<1_200).map { Self.indicator(1_000 + $0, "10.0.\($0 / 256).\($0 % 256)", Self.green) }
            _ = try await engine.collections.add(
                Array(#"{"objects":[\#(objects.joined(separator: ","))]}"#.utf8), as: .envelope, to: node.collectionID,
                by: principal)
            let first = try await service.deliverDue(actor: "notifications")
            #expect(first.map(\.objects.count) == [1_000])
            try await Task.sleep(for: .milliseconds(1_100))
            let second = try await service.deliverDue(actor: "notifications")
            #expect(second.map(\.objects.count) == [200])
            #expect(Set(first.flatMap(\.objects) + second.flatMap(\.objects)).count == 1_200)
        }
    }

    @Test func channelsOverREST() async throws {
        let node = try await TAXIITestNode.makeREST()
        let isp = try #require(try await node.store.organisation(named: "isp"))
        let admin = Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
        _ = try await admin.addUser(username: "ispanalyst", organisation: "isp", role: .analyst, password: TAXIITestNode.password)
        let path = "/api/v1/organisations/\(isp.id)/notification-channels"
        try await node.application().test(.live) { client in
            let added = try await client.call(
                .post, path, TAXIITestNode.rest("ispanalyst"),
                json: #"{"kind":"webhook","target":"https://hooks.isp.example/cybex","max_tlp":"green","frequency_seconds":600}"#)
            #expect(added.status == .created, "\(added.text)")
            #expect((added.json["secret"] as? String)?.count ?? 0 >= 32)
            #expect(added.json["max_tlp"] as? String == "green")
            let listed = try await client.call(.get, path, TAXIITestNode.rest("reader"))
            #expect(listed.status == .ok)
            let channels = try #require(listed.json["channels"] as? [[String: Any]])
            #expect(channels.count == 1 && channels.first?["secret"] == nil)
            #expect(channels.first?["target"] as? String == "https://hooks.isp.example/cybex")
            #expect(
                try await client.call(
                    .post, path, TAXIITestNode.rest("reader"), json: #"{"kind":"email","target":"a@b.example"}"#
                ).status == .forbidden)
            #expect(try await client.call(.get, path, TAXIITestNode.rest("stranger")).status == .notFound)
            for (json, field) in [
                (#"{"kind":"pigeon","target":"x"}"#, "kind"), (#"{"kind":"email"}"#, "target"),
                (#"{"kind":"email","target":"a@b.example","max_tlp":"purple"}"#, "max_tlp"),
                (#"{"kind":"email","target":"a@b.example","frequency_seconds":0}"#, "frequency_seconds"),
            ] {
                let answer = try await client.call(.post, path, TAXIITestNode.rest("root"), json: json)
                #expect(answer.status == .badRequest && answer.json.errorField == field, "\(json): \(answer.text)")
            }
            // A constituent may not point the node at its own network; the administrator may.
            for target in [
                "http://127.0.0.1:8080/x", "http://[::1]/x", "http://169.254.169.254/latest", "https://localhost/x",
                "http://10.1.2.3/x", "http://[::ffff:192.168.0.1]/x",
            ] {
                let refused = try await client.call(
                    .post, path, TAXIITestNode.rest("ispanalyst"), json: #"{"kind":"webhook","target":"\#(target)"}"#)
                #expect(refused.status == .badRequest, "\(target): \(refused.text)")
            }
            #expect(
                try await client.call(
                    .post, path, TAXIITestNode.rest("root"), json: #"{"kind":"webhook","target":"http://127.0.0.1:9/x"}"#
                ).status == .created)
            let bad = try await client.call(
                .post, path, TAXIITestNode.rest("root"), json: #"{"kind":"email","target":"not an address"}"#)
            #expect(bad.status == .badRequest)
            let id = try #require(added.json["id"] as? String)
            #expect(try await client.call(.delete, "\(path)/\(id)", TAXIITestNode.rest("reader")).status == .forbidden)
            #expect(try await client.call(.delete, "\(path)/\(id)", TAXIITestNode.rest("ispanalyst")).status == .noContent)
            #expect(try await client.call(.delete, "\(path)/\(id)", TAXIITestNode.rest("ispanalyst")).status == .notFound)
        }
    }
}
