import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 channel with Cybex's ``ConnectionLimits``: a connection beyond the
/// maximum is closed as soon as it is accepted, and every other one gets the deadlines of
/// ``ConnectionDeadlineHandler``.
struct LimitedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let base: HTTP1Channel
    let connections: OpenConnections

    init(responder: @escaping HTTPChannelHandler.Responder, limits: ConnectionLimits, connections: OpenConnections) {
        self.base = HTTP1Channel(
            responder: responder,
            configuration: .init(additionalChannelHandlers: [ConnectionDeadlineHandler(limits: limits)]))
        self.connections = connections
    }

    /// Hummingbird's HTTP/1.1 server with `limits`; wrap it in `.tls(…)` for HTTPS.
    static func builder(limits: ConnectionLimits) -> HTTPServerBuilder {
        let connections = OpenConnections(maximum: limits.maxConnections)
        return HTTPServerBuilder { responder in
            LimitedHTTP1Channel(responder: responder, limits: limits, connections: connections)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard connections.open() else {
            logger.debug("connection refused: too many open connections", metadata: ["maximum": "\(connections.maximum)"])
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.inputClosed)
        }
        let connections = self.connections
        channel.closeFuture.whenComplete { _ in connections.close() }
        do {
            try channel.pipeline.syncOperations.addHandler(InboundBytesHandler())
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
