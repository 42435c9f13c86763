/// Limits on client connections (`cybex serve --header-timeout-seconds`, `--idle-timeout-seconds`,
/// `--max-connections`; SECURITY.md, "Connection limits").
public struct ConnectionLimits: Sendable, Equatable {
    /// How long a client has to send a request's head (request line and headers) once it has
    /// connected, or once it has started sending it on a kept-alive connection.
    public var headerTimeout: Duration
    /// How long a kept-alive connection may wait for its next request, and how long a request body
    /// may stop arriving while the server is reading it.
    public var idleTimeout: Duration
    /// Open connections at most; the ones beyond are closed as soon as they are accepted.
    public var maxConnections: Int

    /// 10 s for a head, 30 s idle, 512 connections.
    public static let standard = ConnectionLimits()

    public init(headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(30), maxConnections: Int = 512) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }
}
