import CybexCore
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Bounds the memory held by request bodies (``BodyBudget``): a request with a body gets its body
/// wrapped so that, when its handler starts reading it, a reservation is made for the user (and
/// waited for, or refused with ``BodyBudgetError``); the reservation is held until the handler has
/// answered, so it covers parsing, validating and storing, not only the bytes.
///
/// The cost is the declared `Content-Length` (else `maxContentLength`) times `costFactor`. A body
/// declared larger than `maxContentLength` is left to the handler, which refuses it with 413 before
/// reading. Requests without a body, and bodies a handler never reads, reserve nothing.
struct BodyBudgetMiddleware: RouterMiddleware {
    typealias Context = CybexRequestContext
    let budget: BodyBudget
    let costFactor: Double
    let maxContentLength: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let declared = request.headers[.contentLength].flatMap(Int.init)
        guard let principal = context.principal, request.method != .get, request.method != .head, declared != 0 else {
            return try await next(request, context)
        }
        if let declared, declared > maxContentLength { return try await next(request, context) }
        let cost = Int((Double(declared ?? maxContentLength) * costFactor).rounded(.up))
        let holder = Holder(budget: budget)
        defer { holder.release() }
        var request = request
        request.body = RequestBody(
            asyncSequence: BudgetedRequestBody(base: request.body, cost: cost, user: principal.user.id, holder: holder))
        return try await next(request, context)
    }

    /// The reservation of one request, made when its body is first read, given back once.
    final class Holder: Sendable {
        let budget: BodyBudget
        let reservation = Mutex<BodyBudget.Reservation?>(nil)

        init(budget: BodyBudget) {
            self.budget = budget
        }

        func acquire(_ cost: Int, for user: String) async throws {
            guard reservation.withLock({ $0 == nil }) else { return }
            let made = try await budget.reserve(cost, for: user)
            reservation.withLock { $0 = made }
        }

        func release() {
            if let made = reservation.withLock({ value in defer { value = nil }; return value }) { budget.release(made) }
        }
    }
}
