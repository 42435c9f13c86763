import NIOCore

/// When a connection is to be closed for sending too slowly or doing nothing, as a state machine
/// fed with what happens on the connection (``ConnectionDeadlineHandler`` drives it):
///
/// - from connecting until a request's head has arrived: `headerTimeout`;
/// - a kept-alive connection with no request started: `idleTimeout` since the last response, then
///   `headerTimeout` from the first byte of the next request;
/// - while a body is read: `idleTimeout` without a byte, counted only while the server asks for
///   more (a server busy elsewhere, or waiting for room in the ``BodyBudget``, never times a client out);
/// - while a request is being answered: no deadline.
struct ConnectionDeadlines {
    enum Reading: Equatable {
        /// Waiting for a head; `since` is when the wait started, `started` whether bytes came.
        case head(since: NIODeadline, started: Bool)
        /// A head came; its body is being read. `waitingSince`: when the server asked for more and has had none.
        case body(waitingSince: NIODeadline?)
    }

    let headerTimeout: TimeAmount
    let idleTimeout: TimeAmount
    private(set) var reading: Reading
    /// Requests whose head came and whose response has not ended.
    private(set) var inFlight = 0
    /// Whether a response was written: a connection waiting after one is idle, not new.
    private(set) var answered = false

    init(headerTimeout: TimeAmount, idleTimeout: TimeAmount, now: NIODeadline) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.reading = .head(since: now, started: false)
    }

    /// When the connection is to be closed if nothing else happens; nil for never.
    var deadline: NIODeadline? {
        switch reading {
        case .head(let since, let started):
            guard inFlight == 0 else { return nil }
            return since + (started || !answered ? headerTimeout : idleTimeout)
        case .body(let waitingSince):
            return waitingSince.map { $0 + idleTimeout }
        }
    }

    /// Bytes arrived from the client.
    mutating func bytesReceived(now: NIODeadline) {
        switch reading {
        case .head(_, started: false) where answered && inFlight == 0:
            reading = .head(since: now, started: true)
        case .head(let since, started: false):
            reading = .head(since: since, started: true)
        case .head:
            break
        case .body:
            reading = .body(waitingSince: nil)
        }
    }

    /// The server asked the connection for more bytes.
    mutating func readRequested(now: NIODeadline) {
        if case .body(nil) = reading { reading = .body(waitingSince: now) }
    }

    /// A request's head was decoded.
    mutating func headReceived() {
        inFlight += 1
        reading = .body(waitingSince: nil)
    }

    /// A request's end was decoded.
    mutating func endReceived(now: NIODeadline) {
        reading = .head(since: now, started: false)
    }

    /// A response's end was written.
    mutating func responseEnded(now: NIODeadline) {
        inFlight = max(0, inFlight - 1)
        answered = true
        if inFlight == 0, case .head(_, let started) = reading, !started {
            reading = .head(since: now, started: false)
        } else if inFlight == 0, case .head(_, true) = reading {
            // A next head began during the response: its time starts now.
            reading = .head(since: now, started: true)
        }
    }

    /// Whether the connection is to be closed at `now`.
    func expired(now: NIODeadline) -> Bool {
        guard let deadline else { return false }
        return now >= deadline
    }
}
