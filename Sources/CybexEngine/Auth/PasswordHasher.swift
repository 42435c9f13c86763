import HummingbirdBcrypt

/// Hashes and checks passwords with bcrypt.
public struct PasswordHasher: Sendable {
    /// The bcrypt cost (work factor); 12 in production. Tests may lower it.
    public var cost: UInt8

    public init(cost: UInt8 = 12) {
        self.cost = cost
    }

    public func hash(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// Whether `password` matches `hash`. A password holding a NUL never matches: bcrypt reads a C
    /// string and would check only the text before it.
    public func verify(_ password: String, against hash: String) -> Bool {
        guard !password.utf8.contains(0) else { return false }
        return Bcrypt.verify(password, hash: hash)
    }
}
