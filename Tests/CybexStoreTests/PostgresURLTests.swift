import Foundation
import Testing

@testable import CybexStore

/// Parsing of the PostgreSQL URLs ``PostgresStore/connect(url:logger:maximumConnections:connectTimeout:)`` takes.
@Suite("PostgreSQL URL")
struct PostgresURLTests {
    @Test func aFullURL() throws {
        let url = try PostgresURL.parse("postgres://cybex:s3cret@db.example.org:6543/cybex_prod?sslmode=require")
        #expect(
            url
                == PostgresURL(
                    username: "cybex", password: "s3cret", host: "db.example.org", port: 6543, database: "cybex_prod",
                    sslMode: .require))
        #expect(url.redacted == "postgres://cybex@db.example.org:6543/cybex_prod?sslmode=require")
    }

    @Test func defaultsAndPercentDecoding() throws {
        let url = try PostgresURL.parse("postgresql://us%40er:p%3Ass%2Fw%C3%B6rd%25@127.0.0.1/my%20db")
        #expect(url.username == "us@er")
        #expect(url.password == "p:ss/wörd%")
        #expect(url.host == "127.0.0.1")
        #expect(url.port == 5432)
        #expect(url.database == "my db")
        #expect(url.sslMode == .prefer)
        let bare = try PostgresURL.parse("postgres://cybex@localhost")
        #expect(bare.password == nil && bare.database == nil && bare.port == 5432)
        #expect(try PostgresURL.parse("postgres://a:@h/d").password == "")
        #expect(try PostgresURL.parse("postgres://a:b@c@h/d").password == "b@c", "the last @ ends the user info")
    }

    @Test func ipv6Hosts() throws {
        let url = try PostgresURL.parse("postgres://u:p@[::1]:5433/db?sslmode=disable")
        #expect(url.host == "::1" && url.port == 5433 && url.sslMode == .disable)
        #expect(url.redacted == "postgres://u@[::1]:5433/db?sslmode=disable")
        #expect(try PostgresURL.parse("postgres://u@[fe80::2]/db").port == 5432)
    }

    @Test(arguments: [
        "mysql://u:p@h/db",
        "postgres//u:p@h/db",
        "postgres://h:5432/db",
        "postgres://:p@h/db",
        "postgres://u:p@/db",
        "postgres://u:p@h:0/db",
        "postgres://u:p@h:65536/db",
        "postgres://u:p@h:port/db",
        "postgres://u:p@[::1/db",
        "postgres://u:p@[::1]x/db",
        "postgres://u:p%zz@h/db",
        "postgres://u:p%2@h/db",
        "postgres://u:p%ff@h/db",
        "postgres://u:p@h/a/b",
        "postgres://u:p@h/db?sslmode=sometimes",
        "postgres://u:p@h/db?application_name=x",
    ])
    func badURLsAreRefused(_ text: String) throws {
        let error = try #require(throws: StoreError.self) { try PostgresURL.parse(text) }
        #expect(error.code == .invalidConfiguration)
        #expect(!error.message.contains("p%") && !error.message.contains(":p@"), "the password is not repeated")
    }

    @Test func connectRefusesABadURLBeforeConnecting() async throws {
        let error = try await #require(throws: StoreError.self) {
            try await PostgresStore.connect(url: "postgres://nobody@127.0.0.1:1/db?sslmode=bogus")
        }
        #expect(error.code == .invalidConfiguration)
    }

    @Test func anUnreachableServerIsABackendError() async throws {
        let error = try await #require(throws: StoreError.self) {
            try await PostgresStore.connect(
                url: "postgres://nobody:pw@127.0.0.1:1/db?sslmode=disable", connectTimeout: .seconds(2))
        }
        #expect(error.code == .backend)
        #expect(error.message.contains("127.0.0.1:1") && !error.message.contains("pw"))
    }

    /// A refused connection fails at once with the server's reason, not after the connect timeout.
    @Test(.enabled(if: Backend.enabled.contains(.postgres)))
    func refusedConnectionsSayWhy() async throws {
        let url = try #require(Backend.postgresURL, "CYBEX_TEST_POSTGRES_URL is not set")
        var parsed = try PostgresURL.parse(url)
        parsed.password = "certainly-wrong"
        let clock = ContinuousClock()
        let start = clock.now
        let badPassword = try await #require(throws: StoreError.self) {
            try await PostgresStore.connect(url: Self.text(of: parsed), connectTimeout: .seconds(60))
        }
        #expect(badPassword.code == .backend && badPassword.message.contains("28P01"))
        #expect(!badPassword.message.contains("certainly-wrong"))
        // Well under the 60 s connect timeout it would otherwise wait for, with room for a loaded machine
        // (12.6 s and 18.5 s were seen while other builds and test runs shared the two cores).
        #expect(clock.now - start < .seconds(30))
        let noDatabase = try await #require(throws: StoreError.self) {
            try await PostgresStore.connect(url: PostgresTestServer.databaseURL(url, name: "cybex_no_such_database"))
        }
        #expect(noDatabase.code == .backend && noDatabase.message.contains("3D000"))
    }

    static func text(of url: PostgresURL) -> String {
        let password =
            url.password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        let host = url.host.contains(":") ? "[\(url.host)]" : url.host
        return
            "postgres://\(url.username)\(password)@\(host):\(url.port)/\(url.database ?? "")"
            + "?sslmode=\(url.sslMode.rawValue)"
    }
}
