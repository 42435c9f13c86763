import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP connection to a test server on loopback, for what an HTTP client does not do:
/// sending a request's head or body slowly, stopping mid-body, holding a connection idle.
///
/// A safety limit closes the connection from our side if the test has not finished by then, so a
/// server that never closes fails the test instead of hanging it (``expired``).
final class RawConnection {
    let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let expiry: ExpiryFlag
    /// Bytes read and not yet handed out.
    private var pending: [UInt8] = []

    private init(
        channel: any Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        expiry: ExpiryFlag
    ) {
        self.channel = channel
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.expiry = expiry
    }

    /// Opens a connection to 127.0.0.1:`port`, runs `body` with it, then closes it.
    static func with<T>(port: Int, safetyLimit: TimeAmount = .seconds(60), _ body: (RawConnection) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let expired = ExpiryFlag()
        let underlying = channel.channel
        let timer = underlying.eventLoop.scheduleTask(in: safetyLimit) {
            expired.set()
            underlying.close(promise: nil)
        }
        defer { timer.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(RawConnection(channel: underlying, inbound: inbound, outbound: outbound, expiry: expired))
        }
    }

    /// Whether the safety limit closed the connection.
    var expired: Bool { expiry.isSet }

    /// Whether the connection is still open.
    var isOpen: Bool { channel.isActive }

    func send(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Sends `text`, swallowing the error of a connection the server has already closed.
    func trySend(_ text: String) async {
        _ = try? await outbound.write(ByteBuffer(string: text))
    }

    /// Reads until the server closes the connection (end of stream or reset); returns what came.
    func readUntilClosed() async -> String {
        var bytes = pending
        pending = []
        while true {
            do {
                guard let buffer = try await inbound.next() else { break }
                bytes += Array(buffer.readableBytesView)
            } catch {
                break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads one HTTP/1.1 response with a `Content-Length` (status line, headers, body); nil when the
    /// connection closes first.
    func readResponse() async throws -> (status: Int, head: String, body: String)? {
        while true {
            if let end = Self.headEnd(pending) {
                let head = String(decoding: pending[..<end], as: UTF8.self)
                let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                if pending.count >= end + 4 + length {
                    let body = String(decoding: pending[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                    pending.removeFirst(end + 4 + length)
                    let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
                    return (status, head, body)
                }
            }
            guard let buffer = try await inbound.next() else { return nil }
            pending += Array(buffer.readableBytesView)
        }
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}

/// Set once, from any thread.
final class ExpiryFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
