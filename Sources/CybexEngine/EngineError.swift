/// A use case that could not be carried out, with a code callers map to exit codes or HTTP
/// statuses and a message for people.
public struct EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidArgument = "invalid-argument"
        case notFound = "not-found"
        case conflict
        case forbidden
        case tooLarge = "too-large"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
