public import CybexCore
import CybexStore

/// The audit of security events that are not a use case of their own: a refused credential
/// (`auth.failure`, `auth.throttled`) and an authenticated request refused for lack of a right
/// (`access.denied`). Neither ever fails the request it records: a failed write is dropped.
public struct SecurityAudit: Sendable {
    let store: any Store
    let readAudit: ReadAuditLog?

    /// Records a refused credential for `path`: the code and the answer given, then the account tried
    /// and the real reason when the answer hides them, then the client address.
    public func authenticationRefused(_ error: AuthenticationError, path: String, address: String?) async {
        var detail = "\(error.code.rawValue): \(error.message)"
        if let account = error.account { detail += "; account '\(account)'" }
        if let reason = error.reason { detail += " (\(reason))" }
        if let address { detail += " from \(address)" }
        try? await store.appendAudit(
            AuditEvent(
                time: SystemWallClock.nowMicroseconds(), actor: "anonymous",
                action: error.code == .throttled ? "auth.throttled" : "auth.failure", target: path, detail: detail))
    }

    /// Records a request of `principal` refused for lack of a right (`detail`: the method, the route
    /// and the reason), behind the response when the server batches audit writes.
    public func accessDenied(by principal: Principal, path: String, detail: String) async {
        let event = AuditEvent(
            time: SystemWallClock.nowMicroseconds(), actor: principal.user.username, action: "access.denied", target: path,
            detail: detail)
        if let readAudit { readAudit.record(event) } else { try? await store.appendAudit(event) }
    }
}
