import CybexStore

/// A use case that could not be carried out, with a code callers map to exit codes or HTTP
/// statuses, a message for people, and where it was raised (for logs).
///
/// Codes are an extensible set of named values, compared by name, so a capability can add its own
/// without changing every `switch`:
///
/// ```swift
/// throw EngineError(.notFound, "no collection with id '\(id)'")
/// extension EngineError.Code { static let expired = Self(rawValue: "expired") }
/// ```
public struct EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure, by name.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let invalidArgument = Code(rawValue: "invalid-argument")
        public static let notFound = Code(rawValue: "not-found")
        public static let conflict = Code(rawValue: "conflict")
        public static let forbidden = Code(rawValue: "forbidden")
        public static let tooLarge = Code(rawValue: "too-large")

        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String
    /// The source file (`#fileID`) and line that raised the error; not part of equality.
    public var location: SourceLocation

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.location = SourceLocation(file: file, line: line)
    }

    public var description: String { message }

    /// Errors are equal when their code and message are: where they were raised is for logs only.
    public static func == (a: EngineError, b: EngineError) -> Bool { a.code == b.code && a.message == b.message }
}

/// Where in the source an error was raised.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

extension EngineError {
    /// The Engine's error for a store's `conflict` or `notFound` (the same code and message, raised
    /// where the store raised it); nil for any other error.
    public init?(translating error: any Error) {
        guard let error = error as? StoreError, error.code == .conflict || error.code == .notFound else { return nil }
        self.init(Code(rawValue: error.code.rawValue), error.message, file: error.file, line: error.line)
    }
}
