import CybexEngine
import Testing

@testable import CybexStore

extension EngineError.Code {
    /// A code a capability adds of its own, without changing the type.
    fileprivate static let expired = Self(rawValue: "expired")
}

/// Errors keep extensible codes, compared by name, and record where they were raised.
@Suite("Error codes")
struct ErrorCodeTests {
    @Test func engineErrorsRecordWhereTheyWereRaised() {
        let line = #line + 1
        let error = EngineError(.notFound, "no collection with id 'x'")
        #expect(error.location.file.hasSuffix("ErrorCodeTests.swift"))
        #expect(error.location.line == line)
        // Equality is code and message; where it was raised is for logs.
        #expect(error == EngineError(.notFound, "no collection with id 'x'"))
        #expect(error != EngineError(.forbidden, "no collection with id 'x'"))
        #expect(EngineError.Code.notFound.rawValue == "not-found")
    }

    @Test func codesAreExtensible() {
        let error = EngineError(.expired, "the token has expired")
        #expect(error.code == .expired && error.code != .notFound)
        let matched: String =
            switch error.code {
            case .notFound: "not found"
            case .expired: "expired"
            default: "other"
            }
        #expect(matched == "expired")
    }

    @Test func storeErrorsRecordWhereTheyWereRaised() {
        let line = #line + 1
        let error = StoreError(.conflict, "constraint violated")
        #expect(error.file.hasSuffix("ErrorCodeTests.swift") && error.line == line)
        #expect(error.code == .conflict && error.code.rawValue == "conflict")
    }
}
