import PostgresNIO

/// A parsed `postgres://user:password@host:port/database?sslmode=...` URL.
///
/// User, password and database are percent-decoded; the port defaults to 5432; an IPv6 host is
/// written in brackets (`postgres://u:p@[::1]/db`). `sslmode` follows libpq's meaning:
/// `disable` (plain TCP), `prefer` (the default: TLS when the server offers it, certificate not
/// checked), `require` (TLS, certificate not checked) and `verify-full` (TLS, certificate and host
/// name checked against the system's trust roots). Nothing else may appear in the query.
struct PostgresURL: Sendable, Equatable {
    enum SSLMode: String, Sendable, CaseIterable {
        case disable
        case prefer
        case require
        case verifyFull = "verify-full"
    }

    var username: String
    var password: String?
    var host: String
    var port: Int
    var database: String?
    var sslMode: SSLMode

    /// The URL without its password, for logs and error messages.
    var redacted: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(username)@\(hostPart):\(port)/\(database ?? "")?sslmode=\(sslMode.rawValue)"
    }

    /// Parses `text`, throwing ``StoreError/Code/invalidConfiguration`` with the reason when it is
    /// not a usable PostgreSQL URL. The password never appears in the message.
    static func parse(_ text: String) throws -> PostgresURL {
        func invalid(_ reason: String) -> StoreError {
            StoreError(
                .invalidConfiguration,
                "invalid PostgreSQL URL: \(reason) (expected postgres://user:password@host:port/database)")
        }
        var rest: Substring
        if text.hasPrefix("postgres://") {
            rest = text.dropFirst("postgres://".count)
        } else if text.hasPrefix("postgresql://") {
            rest = text.dropFirst("postgresql://".count)
        } else {
            throw invalid("the scheme must be postgres:// or postgresql://")
        }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        guard let at = rest.lastIndex(of: "@") else { throw invalid("no user name") }
        let userInfo = rest[..<at]
        var hostPort = rest[rest.index(after: at)...]

        let username: String
        var password: String?
        if let colon = userInfo.firstIndex(of: ":") {
            username = try decode(userInfo[..<colon], "user name", invalid)
            password = try decode(userInfo[userInfo.index(after: colon)...], "password", invalid)
        } else {
            username = try decode(userInfo, "user name", invalid)
        }
        guard !username.isEmpty else { throw invalid("no user name") }

        var host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw invalid("unclosed [ in the host") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            hostPort = hostPort[hostPort.index(after: close)...]
            if hostPort.hasPrefix(":") {
                portText = hostPort.dropFirst()
            } else if !hostPort.isEmpty {
                throw invalid("unexpected text after the host")
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        guard !host.isEmpty else { throw invalid("no host") }
        var port = 5432
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw invalid("the port must be a number from 1 to 65535")
            }
            port = value
        }

        let database = try decode(path, "database name", invalid)
        guard !database.contains("/") else { throw invalid("the database name contains /") }

        var sslMode = SSLMode.prefer
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try decode(parts[0], "parameter name", invalid)
            let value = parts.count > 1 ? try decode(parts[1], "parameter value", invalid) : ""
            guard key == "sslmode" else { throw invalid("unknown parameter \(key); only sslmode is understood") }
            guard let mode = SSLMode(rawValue: value) else {
                throw invalid("sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            sslMode = mode
        }
        return PostgresURL(
            username: username, password: password, host: String(host), port: port,
            database: database.isEmpty ? nil : database, sslMode: sslMode)
    }

    /// Percent-decodes one component; a malformed escape or bytes that are not UTF-8 are refused.
    private static func decode(
        _ text: Substring, _ what: String, _ invalid: (String) -> StoreError
    ) throws -> String {
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = utf8.popFirst().flatMap(hexValue), let low = utf8.popFirst().flatMap(hexValue) else {
                throw invalid("malformed percent escape in the \(what)")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw invalid("the \(what) is not UTF-8 once percent-decoded")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The TLS configuration `sslMode` asks for; nil for `disable`.
    private var tlsConfiguration: TLSConfiguration? {
        switch sslMode {
        case .disable:
            return nil
        case .prefer, .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return configuration
        case .verifyFull:
            return .makeClientConfiguration()
        }
    }

    /// The PostgresNIO client (pool) configuration for this URL.
    func clientConfiguration() -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch (sslMode, tlsConfiguration) {
            case (.prefer, let configuration?): .prefer(configuration)
            case (_, let configuration?): .require(configuration)
            case (_, nil): .disable
            }
        return PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// The configuration of a single connection for this URL.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            tls =
                switch (sslMode, tlsConfiguration) {
                case (.prefer, let configuration?): .prefer(try NIOSSLContext(configuration: configuration))
                case (_, let configuration?): .require(try NIOSSLContext(configuration: configuration))
                case (_, nil): .disable
                }
        } catch {
            throw StoreError(.invalidConfiguration, "cannot set up TLS for \(redacted): \(error)")
        }
        return PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}
