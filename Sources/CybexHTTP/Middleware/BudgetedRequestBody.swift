import Hummingbird
import NIOCore

/// A request body that reserves its cost in the ``BodyBudget`` before its first byte is read.
struct BudgetedRequestBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let cost: Int
    let user: String
    let holder: BodyBudgetMiddleware.Holder

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let cost: Int
        let user: String
        let holder: BodyBudgetMiddleware.Holder
        var reserved = false

        mutating func next() async throws -> ByteBuffer? {
            if !reserved {
                try await holder.acquire(cost, for: user)
                reserved = true
            }
            return try await base.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), cost: cost, user: user, holder: holder)
    }
}
