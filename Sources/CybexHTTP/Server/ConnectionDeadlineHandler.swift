import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client is too slow or idle (``ConnectionDeadlines``, with the
/// limits of ``ConnectionLimits``). It sits after the HTTP decoder; ``InboundBytesHandler``, before
/// the decoder, tells it when bytes arrive.
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var deadlines: ConnectionDeadlines
    private var scheduled: (at: NIODeadline, task: Scheduled<Void>)?

    init(limits: ConnectionLimits) {
        self.deadlines = ConnectionDeadlines(
            headerTimeout: TimeAmount(limits.headerTimeout), idleTimeout: TimeAmount(limits.idleTimeout), now: .now())
    }

    func handlerAdded(context: ChannelHandlerContext) {
        rearm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        scheduled?.task.cancel()
        scheduled = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: deadlines.headReceived()
        case .body: break
        case .end: deadlines.endReceived(now: .now())
        }
        rearm(context)
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is InboundBytesHandler.BytesReceived {
            deadlines.bytesReceived(now: .now())
            rearm(context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        deadlines.readRequested(now: .now())
        rearm(context)
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            deadlines.responseEnded(now: .now())
            rearm(context)
        }
        context.write(data, promise: promise)
    }

    /// Makes sure a timer fires no later than the current deadline.
    private func rearm(_ context: ChannelHandlerContext) {
        guard let deadline = deadlines.deadline else { return }
        if let scheduled, scheduled.at <= deadline { return }
        scheduled?.task.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let task = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.fire(context)
        }
        scheduled = (deadline, task)
    }

    private func fire(_ context: ChannelHandlerContext) {
        scheduled = nil
        if deadlines.expired(now: .now()) {
            context.close(promise: nil)
        } else {
            rearm(context)
        }
    }
}

@available(*, unavailable)
extension ConnectionDeadlineHandler: Sendable {}
