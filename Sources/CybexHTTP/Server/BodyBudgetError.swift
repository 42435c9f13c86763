/// A request body refused because the memory for bodies in flight is taken (``BodyBudget``).
public struct BodyBudgetError: Error, Sendable, CustomStringConvertible {
    /// Which share is full.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The server's share: answered 503.
        public static let serverBusy = Code(rawValue: "server-busy")
        /// The user's own share: answered 429.
        public static let userBusy = Code(rawValue: "too-many-uploads")
    }

    public var code: Code
    /// Seconds the client should wait before sending again.
    public var retryAfterSeconds: Int

    public init(_ code: Code, retryAfterSeconds: Int) {
        self.code = code
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var message: String {
        switch code {
        case .userBusy: "your uploads in progress already hold your share of the server's memory for request bodies; retry later"
        default: "the server's memory for request bodies is taken by uploads in progress; retry later"
        }
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
