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

/// Feeds pulled over real HTTP on loopback (``FeedService`` with ``AsyncHTTPTransport``): a CSV feed
/// served with an ETag, a MISP feed, and a second Cybex node as a TAXII source. A repeated pull adds
/// no copies; a malformed answer stores nothing and is the feed's health error.
@Suite("Feeds over HTTP")
struct FeedPullTests {
    /// What the fixture server answers, changed by the test between pulls.
    final class Files: Sendable {
        let files = Mutex<[String: String]>([:])
        let requests = Mutex<[String]>([])

        subscript(path: String) -> String? {
            get { files.withLock { $0[path] } }
            set { files.withLock { $0[path] = newValue } }
        }
    }

    /// Serves `files` with an ETag (a hash of the content) and answers 304 to a matching If-None-Match.
    static func fixture(_ files: Files) -> some ApplicationProtocol {
        let router = Router()
        router.get("**") { request, _ -> Response in
            let path = String(request.uri.path.dropFirst())
            files.requests.withLock { $0.append(path) }
            guard let text = files[path] else { return Response(status: .notFound) }
            let etag = "\"\(Secrets.sha256Hex(text).prefix(16))\""
            if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: [.eTag: etag]) }
            return Response(
                status: .ok, headers: [.eTag: etag, .contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: text))
            )
        }
        var logger = Logger(label: "fixture")
        logger.logLevel = .warning
        return Application(router: router, logger: logger)
    }

    static func service(_ node: TAXIITestNode) -> FeedService {
        FeedService(
            engine: Engine(store: node.store, hasher: TAXIITestNode.hasher), transport: AsyncHTTPTransport(timeout: .seconds(30)))
    }

    static func objects(_ node: TAXIITestNode, type: String, versions: VersionSelector = .last) async throws -> [JSONValue] {
        let page = try await node.store.objects(
            in: node.collectionID, matching: ObjectQuery(types: [type], versions: versions, limit: 10_000, withContent: true))
        return try page.records.map { try JSONReader.parse($0.json) }
    }

    @Test func aCSVFeedMakesOneIndicatorAndOneSightingPerValueAndNeverCopies() async throws {
        let node = try await TAXIITestNode.make()
        defer { try? FileManager.default.removeItem(at: node.folder) }
        let files = Files()
        files["c2.csv"] = "# C2 servers\nip,port,seen\n198.51.100.7,443,x\n\"203.0.113.9\",80,y\n198.51.100.7,8080,z\n"
        try await Self.fixture(files).test(.live) { live in
            let base = "http://127.0.0.1:\(try #require(live.port))/"
            let feeds = Self.service(node)
            _ = try await Engine(store: node.store, hasher: TAXIITestNode.hasher).enrichment.load(
                format: .ip2asn, files: [("t.tsv", Array("198.51.100.0\t198.51.100.255\t64500\tFR\tHOSTER\n".utf8))],
                source: nil, actor: "test")
            let settings = FeedSettings(tlp: .amber, confidence: 70, labels: ["botnet"], column: "ip", header: true)
            let feed = try await feeds.add(
                name: "c2", format: .csv, url: base + "c2.csv", owner: "cert", collection: node.collectionID,
                settings: settings, actor: "test")

            let first = try await feeds.pull(name: "c2", actor: "test")
            #expect(first.outcome == .stored && first.values == 2)
            // The identity, two indicators, two sightings.
            #expect(first.added == 5)
            let indicators = try await Self.objects(node, type: "indicator")
            #expect(
                Set(indicators.compactMap { $0["pattern"]?.stringValue }) == [
                    "[ipv4-addr:value = '198.51.100.7']", "[ipv4-addr:value = '203.0.113.9']",
                ])
            #expect(indicators.allSatisfy { $0["confidence"]?.integerValue == 70 && $0["labels"]?.arrayValue?.count == 1 })
            // Enriched from the tables: the one inside a loaded range carries its network, AS, country and holder.
            let enriched = try #require(indicators.first { $0["pattern"]?.stringValue?.contains("198.51.100.7") == true })
            let body = try #require(enriched["extensions"]?[FeedObjects.enrichmentExtensionID])
            #expect(body["network"]?.stringValue == "198.51.100.0/24" && body["asn"]?.integerValue == 64500)
            #expect(body["country"]?.stringValue == "FR" && body["holder"]?.stringValue == "HOSTER")
            #expect(indicators.first { $0["pattern"]?.stringValue?.contains("203.0.113.9") == true }?["extensions"] == nil)
            #expect(
                indicators.allSatisfy {
                    $0["object_marking_refs"]?.arrayValue?.first?.stringValue
                        == "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
                })
            // Made by the feed's identity.
            let identity = try #require(try await Self.objects(node, type: "identity").first)
            #expect(indicators.allSatisfy { $0["created_by_ref"] == identity["id"] })

            // Unchanged: 304, nothing stored.
            let same = try await feeds.pull(name: "c2", actor: "test")
            #expect(same.outcome == .notModified && same.added == 0)
            #expect(try await Self.objects(node, type: "indicator", versions: .all).count == 2)

            // Listed again (the file changed): no new indicator, one new version of each listed value's sighting.
            files["c2.csv"] = "ip\n198.51.100.7\n198.51.100.99\n"
            let again = try await feeds.pull(name: "c2", actor: "test")
            // A new indicator and sighting for the new value, a new version of the other's sighting.
            #expect(again.outcome == .stored && again.values == 2 && again.added == 3)
            #expect(try await Self.objects(node, type: "indicator", versions: .all).count == 3)
            let sightings = try await Self.objects(node, type: "sighting")
            #expect(sightings.count == 3)
            let counts = Dictionary(
                uniqueKeysWithValues: sightings.map { ($0["sighting_of_ref"]?.stringValue ?? "", $0["count"]?.integerValue ?? 0) }
            )
            let objects = FeedObjects(feed: feed, now: 0)
            #expect(counts[objects.indicatorID(Observable(kind: .ipv4, value: "198.51.100.7"))] == 2)
            #expect(counts[objects.indicatorID(Observable(kind: .ipv4, value: "203.0.113.9"))] == 1)
            #expect(counts[objects.indicatorID(Observable(kind: .ipv4, value: "198.51.100.99"))] == 1)

            // A malformed answer: nothing of it stored, the feed failing with the line, pulled later.
            files["c2.csv"] = "ip\n198.51.100.7\nnot an address at all\n"
            var strict = settings
            strict.kind = "ipv4-addr"
            _ = try await feeds.add(
                name: "strict", format: .csv, url: base + "c2.csv", owner: "cert", collection: node.collectionID,
                settings: strict, actor: "test")
            let before = try await node.store.objectCount(in: node.collectionID)
            let failed = try await feeds.pull(name: "strict", actor: "test")
            #expect(failed.outcome == .failed && failed.error?.contains("line 3") == true)
            #expect(try await node.store.objectCount(in: node.collectionID) == before)
            let state = try #require(try await feeds.list().first { $0.0.name == "strict" }?.1)
            #expect(state.isFailing && state.failures == 1 && state.lastSuccess == nil)
            #expect(state.nextDue > (state.lastPull ?? 0) + 3_600_000_000)  // doubled: two intervals
            let failures = try await node.store.auditEvents(limit: 5).filter { $0.action == "feed.pull" }
            #expect(failures.first?.detail.contains("failed") == true)

            // A feed from a file on this machine: read, then unchanged (its size and time as validator).
            let file = node.folder.appendingPathComponent("list.txt")
            try Data("# scanners\n192.0.2.10\n192.0.2.11\n".utf8).write(to: file)
            _ = try await feeds.add(
                name: "local", format: .list, url: file.absoluteString, owner: "cert", collection: node.collectionID,
                settings: FeedSettings(), actor: "test")
            #expect(try await feeds.pull(name: "local", actor: "test").values == 2)
            #expect(try await feeds.pull(name: "local", actor: "test").outcome == .notModified)
            await #expect(throws: EngineError.self) {
                _ = try await feeds.add(
                    name: "relative", format: .list, url: "file:list.txt", owner: "cert", collection: node.collectionID,
                    settings: FeedSettings(), actor: "test")
            }

            // A feed that answers 404 fails too, and the job pulls only what is due.
            _ = try await feeds.add(
                name: "gone", format: .list, url: base + "missing.txt", owner: "cert", collection: node.collectionID,
                settings: FeedSettings(), actor: "test")
            let due = try await feeds.pullDue(actor: "feeds")
            #expect(due.map(\.feed) == ["gone"])
            #expect(due.first?.error?.contains("404") == true)
        }
    }

    @Test func aMISPFeedBecomesReportsIndicatorsAndObservedData() async throws {
        let node = try await TAXIITestNode.make()
        defer { try? FileManager.default.removeItem(at: node.folder) }
        let files = Files()
        let event = "5f1d3c2a-1b2c-4d3e-8f90-0a1b2c3d4e5f"
        files["misp/manifest.json"] =
            #"{"\#(event)": {"info": "Phishing wave", "date": "2026-11-30", "timestamp": "1764460800"}}"#
        files["misp/\(event).json"] = """
            {"Event": {"uuid": "\(event)", "info": "Phishing wave", "date": "2026-11-30", "timestamp": "1764460800",
             "Tag": [{"name": "tlp:amber"}, {"name": "phishing"}],
             "Attribute": [
               {"uuid": "6a1d3c2a-1b2c-4d3e-8f90-0a1b2c3d4e50", "type": "url", "category": "Network activity",
                "value": "HTTP://Login.Bank.Example:80/x", "to_ids": true, "timestamp": "1764460800"},
               {"uuid": "6a1d3c2a-1b2c-4d3e-8f90-0a1b2c3d4e51", "type": "ip-dst|port", "value": "198.51.100.7|443",
                "to_ids": false, "timestamp": "1764460800"},
               {"uuid": "6a1d3c2a-1b2c-4d3e-8f90-0a1b2c3d4e52", "type": "comment", "value": "left out", "to_ids": false}],
             "Object": [{"name": "file", "Attribute": [
               {"uuid": "6a1d3c2a-1b2c-4d3e-8f90-0a1b2c3d4e53", "type": "sha256", "to_ids": true, "timestamp": "1764460800",
                "value": "\(String(repeating: "AB", count: 32))"}]}]}}
            """
        try await Self.fixture(files).test(.live) { live in
            let base = "http://127.0.0.1:\(try #require(live.port))/"
            let feeds = Self.service(node)
            _ = try await feeds.add(
                name: "misp", format: .misp, url: base + "misp", owner: "cert", collection: node.collectionID,
                settings: FeedSettings(tlp: .green), actor: "test")
            let first = try await feeds.pull(name: "misp", actor: "test")
            #expect(first.outcome == .stored, "\(first.error ?? "")")
            let report = try #require(try await Self.objects(node, type: "report").first)
            #expect(report["id"]?.stringValue == "report--\(event)")
            #expect(report["name"]?.stringValue == "Phishing wave")
            #expect(report["labels"]?.arrayValue?.compactMap(\.stringValue) == ["phishing"])
            // The event's tlp:amber is stricter than the feed's GREEN.
            #expect(
                report["object_marking_refs"]?.arrayValue?.first?.stringValue
                    == "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421")
            #expect(report["object_refs"]?.arrayValue?.count == 3)
            let patterns = Set(try await Self.objects(node, type: "indicator").compactMap { $0["pattern"]?.stringValue })
            #expect(
                patterns == [
                    "[url:value = 'http://login.bank.example/x']",
                    "[file:hashes.'SHA-256' = '\(String(repeating: "ab", count: 32))']",
                ])
            let observed = try #require(try await Self.objects(node, type: "observed-data").first)
            #expect(observed["id"]?.stringValue == "observed-data--6a1d3c2a-1b2c-4d3e-8f90-0a1b2c3d4e51")
            #expect(try await Self.objects(node, type: "ipv4-addr").first?["value"]?.stringValue == "198.51.100.7")

            // The manifest unchanged: 304; an event with a newer timestamp only is fetched again.
            files.requests.withLock { $0.removeAll() }
            #expect(try await feeds.pull(name: "misp", actor: "test").outcome == .notModified)
            files["misp/manifest.json"] =
                #"{"\#(event)": {"info": "Phishing wave", "timestamp": "1764460800"}, "7f1d3c2a-1b2c-4d3e-8f90-0a1b2c3d4e5f": {"info": "broken", "timestamp": "1764460900"}}"#
            files["misp/7f1d3c2a-1b2c-4d3e-8f90-0a1b2c3d4e5f.json"] = #"{"Event": {"info": "no uuid"}}"#
            let broken = try await feeds.pull(name: "misp", actor: "test")
            #expect(broken.outcome == .failed && broken.error?.contains("7f1d3c2a") == true)
            #expect(!files.requests.withLock { $0 }.contains("misp/\(event).json"))
        }
    }

    @Test func aTAXIIFeedMirrorsAnotherNodeFromWhereItStopped() async throws {
        let source = try await TAXIITestNode.make()
        let node = try await TAXIITestNode.make()
        defer {
            try? FileManager.default.removeItem(at: source.folder)
            try? FileManager.default.removeItem(at: node.folder)
        }
        try await source.application().test(.live) { live in
            let apiRoot = "http://127.0.0.1:\(try #require(live.port))/taxii2/cybex/"
            let analyst = TAXIIClient(
                transport: AsyncHTTPTransport(), credential: .basic(username: "analyst", password: TAXIITestNode.password))
            let envelope = { (range: Range<Int>) in
                Array(#"{"objects":[\#(range.map { Fixture.indicator($0) }.joined(separator: ","))]}"#.utf8)
            }
            _ = try await analyst.addObjects(apiRoot: apiRoot, collectionID: source.collectionID, envelope: envelope(0..<3))

            let feeds = Self.service(node)
            _ = try await feeds.add(
                name: "peer", format: .taxii, url: apiRoot, owner: "isp", collection: node.collectionID,
                settings: FeedSettings(taxiiCollection: source.collectionID, credentials: "reader:\(TAXIITestNode.password)"),
                actor: "test")
            let first = try await feeds.pull(name: "peer", actor: "test")
            #expect(first.outcome == .stored && first.values == 3 && first.added == 3, "\(first.error ?? "")")
            // Nothing new: nothing read, nothing stored; new objects only on the next.
            #expect(try await feeds.pull(name: "peer", actor: "test").values == 0)
            _ = try await analyst.addObjects(apiRoot: apiRoot, collectionID: source.collectionID, envelope: envelope(3..<5))
            let later = try await feeds.pull(name: "peer", actor: "test")
            #expect(later.values == 2 && later.added == 2)
            #expect(try await node.store.objectCount(in: node.collectionID) == 5)
            // Listed without credentials.
            let listed = JSONWriter.string(FeedService.json(try #require(try await feeds.list().first?.0), FeedState()))
            #expect(!listed.contains("reader"))
        }
    }
}
