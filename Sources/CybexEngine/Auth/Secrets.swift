import Crypto
import Foundation

/// Random secrets and their digests.
public enum Secrets {
    /// `count` random bytes from the system's secure generator, base64url without padding.
    public static func random(bytes count: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A readable random password: 24 characters of base64url.
    public static func password() -> String { random(bytes: 18) }

    /// Hex SHA-256 of a string.
    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new lower-case random UUID.
    public static func uuid() -> String { UUID().uuidString.lowercased() }
}
