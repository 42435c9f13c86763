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

/// Slow, idle and surplus connections are closed (issue 13, finding 8a), over real sockets against
/// the server `cybex serve` runs (``CybexServer/application(configuration:store:logger:metrics:passwordHasher:readAudit:bodyBudget:)``).
@Suite("Connection limits")
struct ConnectionLimitsTests {
    static func application(_ node: TAXIITestNode, limits: ConnectionLimits) throws -> some ApplicationProtocol {
        var configuration = node.configuration
        configuration.connectionLimits = limits
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try CybexServer.application(
            configuration: configuration, store: node.store, logger: logger, passwordHasher: TAXIITestNode.hasher)
    }

    static let healthz = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"

    @Test("a client sending its headers slowly is closed after the header timeout")
    func slowHeadersAreClosed() async throws {
        let node = try await TAXIITestNode.make()
        let limits = ConnectionLimits(headerTimeout: .seconds(1), idleTimeout: .seconds(600), maxConnections: 16)
        try await Self.application(node, limits: limits).test(.live) { client in
            let port = try #require(client.port)
            try await RawConnection.with(port: port) { connection in
                try await connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
                // One header line every 200 ms, 100 of them: 20 times the timeout, if the server let it.
                var sent = 0
                while connection.isOpen, sent < 100 {
                    try await Task.sleep(for: .milliseconds(200))
                    await connection.trySend("X-Slow-\(sent): x\r\n")
                    sent += 1
                }
                let answer = await connection.readUntilClosed()
                #expect(!connection.isOpen)
                #expect(sent < 100, "the server kept reading headers sent slowly")
                #expect(answer.isEmpty)
                #expect(!connection.expired)
            }
        }
    }

    @Test("a kept-alive connection is served, then closed after the idle timeout")
    func idleConnectionsAreClosed() async throws {
        let node = try await TAXIITestNode.make()
        let limits = ConnectionLimits(headerTimeout: .seconds(600), idleTimeout: .seconds(1), maxConnections: 16)
        try await Self.application(node, limits: limits).test(.live) { client in
            let port = try #require(client.port)
            try await RawConnection.with(port: port) { connection in
                for _ in 0..<2 {
                    try await connection.send(Self.healthz)
                    let response = try await connection.readResponse()
                    #expect(response?.status == 200)
                }
                _ = await connection.readUntilClosed()
                #expect(!connection.isOpen)
                #expect(!connection.expired, "the idle connection was not closed by the server")
            }
        }
    }

    @Test("a request body that stops arriving is closed after the idle timeout")
    func stalledBodiesAreClosed() async throws {
        let node = try await TAXIITestNode.make()
        let limits = ConnectionLimits(headerTimeout: .seconds(600), idleTimeout: .seconds(1), maxConnections: 16)
        try await Self.application(node, limits: limits).test(.live) { client in
            let port = try #require(client.port)
            try await RawConnection.with(port: port) { connection in
                let auth = Data("analyst:\(TAXIITestNode.password)".utf8).base64EncodedString()
                try await connection.send(
                    "POST \(node.objectsPath) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic \(auth)\r\n"
                        + "Content-Type: application/taxii+json;version=2.1\r\nContent-Length: 1000\r\n\r\n{\"objects\":[")
                _ = await connection.readUntilClosed()
                #expect(!connection.isOpen)
                #expect(!connection.expired, "the stalled body was not timed out")
            }
        }
    }

    @Test("connections beyond the maximum are closed at once; a slot freed is served again")
    func surplusConnectionsAreClosed() async throws {
        let node = try await TAXIITestNode.make()
        let limits = ConnectionLimits(headerTimeout: .seconds(600), idleTimeout: .seconds(600), maxConnections: 2)
        try await Self.application(node, limits: limits).test(.live) { client in
            let port = try #require(client.port)
            // The test client holds one connection; a raw one takes the second slot.
            let viaClient = try await client.execute(uri: "/healthz", method: .get)
            #expect(viaClient.status == .ok)
            try await RawConnection.with(port: port) { second in
                try await second.send(Self.healthz)
                #expect(try await second.readResponse()?.status == 200)
                try await RawConnection.with(port: port) { third in
                    await third.trySend(Self.healthz)
                    let answer = await third.readUntilClosed()
                    #expect(answer.isEmpty, "a connection beyond the maximum was answered: \(answer)")
                    #expect(!third.expired)
                }
            }
            // The raw connection is closed: its slot is free again (once the server has seen it go).
            var served = false
            for _ in 0..<100 where !served {
                served = try await RawConnection.with(port: port) { connection in
                    await connection.trySend(Self.healthz)
                    return (try? await connection.readResponse())??.status == 200
                }
                if !served { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(served)
        }
    }
}
