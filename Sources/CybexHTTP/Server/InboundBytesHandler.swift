import NIOCore

/// Sits before the HTTP decoder and tells the handlers after it, with a ``BytesReceived`` user
/// event, whenever bytes arrive: the decoder itself says nothing until a whole head is in, and a
/// client sending its headers slowly must still be timed (``ConnectionDeadlineHandler``).
final class InboundBytesHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The event sent on every read from the client.
    struct BytesReceived: Sendable {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(BytesReceived())
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension InboundBytesHandler: Sendable {}
