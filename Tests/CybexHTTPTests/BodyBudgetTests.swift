import CybexCore
import CybexEngine
import CybexHTTP
import CybexStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The memory of request bodies in flight is bounded server-wide and per user (issue 13,
/// finding 7): the rules of ``BodyBudget`` alone, then over real HTTP with a post held open mid-body.
@Suite("Request body budget")
struct BodyBudgetTests {
    static func budget(total: Int, perUser: Int, wait: Duration = .zero) -> BodyBudget {
        BodyBudget(
            policy: BodyBudgetPolicy(
                totalBytes: total, perUserBytes: perUser, wait: wait, retryAfterSeconds: 7, envelopeCostFactor: 1,
                jsonCostFactor: 1))
    }

    static func refusal(_ operation: () async throws -> BodyBudget.Reservation) async -> BodyBudgetError? {
        do {
            _ = try await operation()
            return nil
        } catch let error as BodyBudgetError {
            return error
        } catch {
            return nil
        }
    }

    // MARK: The rules

    @Test("a full user share refuses as too-many-uploads, a full server as server-busy; release frees both")
    func refusesNamingTheFullShare() async throws {
        let budget = Self.budget(total: 100, perUser: 60)
        let first = try await budget.reserve(50, for: "a")
        let userFull = await Self.refusal { try await budget.reserve(20, for: "a") }
        #expect(userFull?.code == .userBusy)
        #expect(userFull?.retryAfterSeconds == 7)
        let second = try await budget.reserve(40, for: "b")
        let serverFull = await Self.refusal { try await budget.reserve(20, for: "c") }
        #expect(serverFull?.code == .serverBusy)
        #expect(budget.reservedBytes == 90)
        budget.release(first)
        budget.release(second)
        #expect(budget.reservedBytes == 0)
        #expect(budget.reservedBytes(of: "a") == 0)
        _ = try await budget.reserve(60, for: "a")
    }

    @Test("a body costing more than a share is admitted alone, and keeps the others out while it runs")
    func oversizedRunsAlone() async throws {
        let budget = Self.budget(total: 100, perUser: 60)
        let large = try await budget.reserve(500, for: "a")
        #expect(await Self.refusal { try await budget.reserve(1, for: "b") }?.code == .serverBusy)
        budget.release(large)
        _ = try await budget.reserve(1, for: "b")
    }

    @Test("a waiting request is admitted when room is released")
    func waiterIsAdmittedOnRelease() async throws {
        let budget = Self.budget(total: 100, perUser: 100, wait: .seconds(600))
        let first = try await budget.reserve(100, for: "a")
        let waiting = Task { try await budget.reserve(50, for: "b") }
        while budget.waitingCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
        budget.release(first)
        let second = try await waiting.value
        #expect(second.cost == 50)
        #expect(budget.reservedBytes == 50)
        #expect(budget.waitingCount == 0)
    }

    @Test("a waiting request that is cancelled leaves the queue and holds nothing")
    func cancelledWaiterLeaves() async throws {
        let budget = Self.budget(total: 100, perUser: 100, wait: .seconds(600))
        let first = try await budget.reserve(100, for: "a")
        let waiting = Task { try await budget.reserve(50, for: "b") }
        while budget.waitingCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(budget.waitingCount == 0)
        budget.release(first)
        #expect(budget.reservedBytes == 0)
    }

    @Test("a request that found no room within the wait is refused, and leaves the queue")
    func waitEndsInRefusal() async throws {
        let budget = Self.budget(total: 100, perUser: 100, wait: .milliseconds(50))
        let first = try await budget.reserve(100, for: "a")
        #expect(await Self.refusal { try await budget.reserve(10, for: "b") }?.code == .serverBusy)
        #expect(budget.waitingCount == 0)
        budget.release(first)
        #expect(budget.reservedBytes == 0)
    }

    // MARK: Over HTTP

    static let total = 500_000
    static let perUser = 400_000
    static let held = 300_000

    /// An envelope of `count` indicators numbered from `first`.
    static func envelope(_ count: Int, from first: Int) -> ByteBuffer {
        Fixture.envelope((first..<(first + count)).map { Fixture.indicator($0) })
    }

    @Test("a full budget refuses a post with 429 or 503 and Retry-After (TAXII and REST), a post that fits is stored, and the budget is released after posts and after a client leaving mid-body")
    func postsOverHTTP() async throws {
        let node = try await TAXIITestNode.makeREST()
        let admin = Administration(store: node.store, hasher: TAXIITestNode.hasher, actor: "test")
        _ = try await admin.addUser(username: "analyst2", organisation: "cert", role: .analyst, password: TAXIITestNode.password)
        let analyst = try #require(try await node.store.user(named: "analyst")).id
        let analyst2 = try #require(try await node.store.user(named: "analyst2")).id
        let budget = Self.budget(total: Self.total, perUser: Self.perUser)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = try CybexServer.application(
            configuration: node.configuration, store: node.store, logger: logger, passwordHasher: TAXIITestNode.hasher,
            bodyBudget: budget)
        let small = Self.envelope(400, from: 0)  // over what is left of the analyst's share, within the server's
        let large = Self.envelope(800, from: 1000)  // over what is left of the server's, within a share
        #expect(small.readableBytes > Self.perUser - Self.held && small.readableBytes < Self.total - Self.held)
        #expect(large.readableBytes > Self.total - Self.held && large.readableBytes < Self.perUser)

        try await app.test(.live) { client in
            let port = try #require(client.port)
            // The analyst's post sends its head and the start of its body, then stops: it holds 300,000 bytes.
            try await RawConnection.with(port: port) { held in
                let auth = Data("analyst:\(TAXIITestNode.password)".utf8).base64EncodedString()
                try await held.send(
                    "POST \(node.objectsPath) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic \(auth)\r\n"
                        + "Content-Type: application/taxii+json;version=2.1\r\nAccept: application/taxii+json;version=2.1\r\n"
                        + "Content-Length: \(Self.held)\r\n\r\n{\"objects\":[")
                for _ in 0..<500 where budget.reservedBytes(of: analyst) == 0 { try await Task.sleep(for: .milliseconds(20)) }
                #expect(budget.reservedBytes(of: analyst) == Self.held)

                // The analyst's share is full: 429 with Retry-After, as a TAXII error resource…
                let userFull = try await client.execute(
                    uri: node.objectsPath, method: .post, headers: TAXIITestNode.posting("analyst"), body: small)
                #expect(userFull.status == .tooManyRequests)
                #expect(userFull.headers[.retryAfter] == "7")
                #expect(userFull.headers[.contentType] == "application/taxii+json;version=2.1")
                #expect(userFull.json["error_code"] as? String == "too-many-uploads")
                #expect(userFull.json["http_status"] as? String == "429")

                // …and in the REST error shape on /api/.
                let rest = try await client.call(
                    .post, "/api/v1/collections/\(node.collectionID)/objects", TAXIITestNode.rest("analyst"),
                    json: String(buffer: small))
                #expect(rest.status == .tooManyRequests)
                #expect(rest.json.errorCode == "too-many-uploads")

                // Another user's post that fits is stored, and gives its room back when answered.
                let fits = try await client.execute(
                    uri: node.objectsPath, method: .post, headers: TAXIITestNode.posting("analyst2"), body: small)
                #expect(fits.status == .accepted)
                #expect(fits.json["success_count"] as? Int == 400)
                #expect(budget.reservedBytes(of: analyst2) == 0)
                #expect(budget.reservedBytes == Self.held)

                // The server's budget is full for a larger post: 503 with Retry-After.
                let serverFull = try await client.execute(
                    uri: node.objectsPath, method: .post, headers: TAXIITestNode.posting("analyst2"), body: large)
                #expect(serverFull.status == .serviceUnavailable)
                #expect(serverFull.headers[.retryAfter] == "7")
                #expect(serverFull.json["error_code"] as? String == "server-busy")
                #expect(held.isOpen)
            }
            // The client left mid-body: its reservation is given back.
            for _ in 0..<500 where budget.reservedBytes > 0 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(budget.reservedBytes == 0)

            // And the refused posts go through now.
            let retried = try await client.execute(
                uri: node.objectsPath, method: .post, headers: TAXIITestNode.posting("analyst"), body: large)
            #expect(retried.status == .accepted)
            #expect(retried.json["success_count"] as? Int == 800)
            #expect(budget.reservedBytes == 0)
            let count = try await client.call(
                .get, "/api/v1/collections/\(node.collectionID)/count", TAXIITestNode.rest("analyst"))
            #expect(count.json["count"] as? Int == 1200)
        }
    }

    @Test("a post refused before its body is read (no write access) holds nothing")
    func refusedPostHoldsNothing() async throws {
        let node = try await TAXIITestNode.make()
        let budget = Self.budget(total: Self.total, perUser: Self.perUser)
        let router = CybexServer.router(
            configuration: node.configuration, store: node.store, metrics: nil, passwordHasher: TAXIITestNode.hasher,
            bodyBudget: budget)
        try await Application(router: router).test(.live) { client in
            let response = try await client.execute(
                uri: node.objectsPath, method: .post, headers: TAXIITestNode.posting("reader"), body: Self.envelope(10, from: 0))
            #expect(response.status == .forbidden)
            #expect(budget.reservedBytes == 0)
        }
    }
}
