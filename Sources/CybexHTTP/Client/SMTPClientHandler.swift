import NIOCore
import NIOSSL
import Synchronization

/// One step of the dialogue: bytes to send (none for the greeting) and the promise of the reply
/// to them, before `deadline`.
struct SMTPRequest: Sendable {
    /// What the server is answering, for errors: the command without credentials.
    var label: String
    var bytes: ByteBuffer?
    var deadline: NIODeadline
    /// The error when no reply comes before `deadline`.
    var timeout: SMTPError
    /// For STARTTLS: the TLS handler to put at the front of the pipeline when the server says 220,
    /// before any further byte is read.
    var startTLS: StartTLS?
    var reply: EventLoopPromise<SMTPReply>

    struct StartTLS: Sendable {
        var context: NIOSSLContext
        /// The name sent in SNI and checked against the certificate; nil for an IP address (its
        /// certificate must then name the address).
        var serverHostname: String?
    }
}

/// The first failure of a connection, kept where the dialogue can read it once the handler is
/// gone (a failure closes the channel, which removes its handlers).
final class SMTPConnectionFailure: Sendable {
    private let error = Mutex<SMTPError?>(nil)

    /// The first failure recorded, if any.
    var first: SMTPError? { error.withLock { $0 } }

    func record(_ failure: SMTPError) {
        error.withLock { if $0 == nil { $0 = failure } }
    }
}

/// Pairs each ``SMTPRequest`` with the server's next reply, one at a time (no pipelining). A reply
/// nobody asked for is a protocol violation, except the greeting, which may arrive before the
/// request that waits for it. Timeouts, errors and a closed connection fail the pending request;
/// after the first failure every request fails with it and the connection is closed.
final class SMTPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = SMTPReply
    typealias OutboundIn = SMTPRequest
    typealias OutboundOut = ByteBuffer

    /// The relay's host as configured, for TLS errors.
    private let host: String
    private let connectionFailure: SMTPConnectionFailure
    private var pending: (request: SMTPRequest, timer: Scheduled<Void>)?
    /// A reply that came before any request: the greeting.
    private var early: SMTPReply?
    private var failure: SMTPError?

    init(host: String, failure: SMTPConnectionFailure) {
        self.host = host
        self.connectionFailure = failure
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.reply.fail(failure)
            promise?.fail(failure)
            return
        }
        guard pending == nil else {
            let error = SMTPError(.protocolViolation, "a command was sent before the previous reply", command: request.label)
            request.reply.fail(error)
            promise?.fail(error)
            return
        }
        if let reply = early {
            early = nil
            guard request.bytes == nil else {
                let error = outOfTurn(command: request.label)
                request.reply.fail(error)
                promise?.fail(error)
                fail(context, error)
                return
            }
            request.reply.succeed(reply)
            promise?.succeed(())
            return
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(deadline: request.deadline) {
            let (handler, context) = loopBound.value
            handler.fail(context, request.timeout)
        }
        pending = (request, timer)
        if let bytes = request.bytes {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: promise)
        } else {
            promise?.succeed(())
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        guard failure == nil else { return }
        guard let (request, timer) = pending else {
            if early == nil {
                early = reply
            } else {
                fail(context, outOfTurn(command: nil))
            }
            return
        }
        timer.cancel()
        pending = nil
        if let startTLS = request.startTLS, reply.code == 220 {
            guard !reply.followedByData else {
                let error = SMTPError(
                    .protocolViolation, "the server sent more data after its reply to STARTTLS, before TLS",
                    command: request.label)
                request.reply.fail(error)
                fail(context, error)
                return
            }
            do {
                let tls = try NIOSSLClientHandler(context: startTLS.context, serverHostname: startTLS.serverHostname)
                try context.pipeline.syncOperations.addHandler(tls, position: .first)
            } catch {
                let failure = SMTPError(.tlsFailed, "cannot start TLS: \(error)", command: request.label)
                request.reply.fail(failure)
                fail(context, failure)
                return
            }
        }
        request.reply.succeed(reply)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let command = pending?.request.label
        switch error {
        case let error as SMTPError:
            fail(context, SMTPError(error.code, error.message, command: error.command ?? command))
        case is NIOSSLError, is NIOSSLExtraError:
            fail(context, SMTPError(.tlsFailed, "TLS failed: \(explain(tlsError: error))", command: command))
        default:
            fail(context, SMTPError(.connectionClosed, "the connection failed: \(error)", command: command))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context, SMTPError(.connectionClosed, "the server closed the connection", command: pending?.request.label))
        context.fireChannelInactive()
    }

    /// Fails the pending request and every later one with `error` (the first failure wins) and
    /// closes the connection.
    private func fail(_ context: ChannelHandlerContext, _ error: SMTPError) {
        if failure == nil {
            failure = error
            connectionFailure.record(error)
        }
        if let (request, timer) = pending {
            pending = nil
            timer.cancel()
            request.reply.fail(failure ?? error)
        }
        context.close(promise: nil)
    }

    /// The common TLS failures in words, others as NIOSSL describes them.
    private func explain(tlsError error: any Error) -> String {
        let text = String(describing: error)
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "the relay's certificate does not name '\(host)'"
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the relay's certificate is not trusted (signed by an unknown CA, self-signed or expired; "
                + "a private CA can be trusted with a PEM file)"
        }
        if text.contains("WRONG_VERSION_NUMBER") {
            return "the relay did not answer in TLS (is the port one for STARTTLS or plain text?)"
        }
        return text
    }

    private func outOfTurn(command: String?) -> SMTPError {
        SMTPError(.protocolViolation, "the server sent a reply out of turn", command: command)
    }
}

@available(*, unavailable)
extension SMTPClientHandler: Sendable {}
