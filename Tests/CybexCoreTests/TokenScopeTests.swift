import Testing

@testable import CybexCore

@Suite("Token scopes")
struct TokenScopeTests {
    @Test
    func parseEncodeDecode() throws {
        let scopes = try TokenScope.parse(["taxii:write", "admin", "taxii:read", "taxii:write"])
        #expect(scopes == [.taxiiRead, .taxiiWrite, .admin])
        #expect(TokenScope.encode(scopes) == "taxii:read taxii:write admin")
        #expect(TokenScope.decode("taxii:read taxii:write admin") == scopes)
        #expect(TokenScope.decode(nil) == [] && TokenScope.decode("") == [])
        #expect(TokenScope.decode("api:read future:scope") == [.apiRead], "unknown stored names never widen a token")
        let error = #expect(throws: TokenScopeError.self) { try TokenScope.parse(["taxii:read", "TAXII:READ"]) }
        #expect(error?.name == "TAXII:READ")
        #expect(error?.description.contains("known: taxii:read, taxii:write, api:read, api:write, admin") == true)
    }

    @Test(arguments: Role.allCases)
    func aRoleNeverGetsMoreThanItCanUse(role: Role) {
        let allowed = Set(TokenScope.allowed(for: role))
        #expect(allowed.contains(.admin) == (role == .admin))
        #expect(allowed.contains(.taxiiWrite) == role.mayWrite)
        #expect(allowed.contains(.taxiiRead))
    }

    @Test
    func principalScopes() {
        let user = User(id: "u", username: "ana", organisationID: "o", role: .analyst, passwordHash: "h", createdAt: 0)
        let organisation = Organisation(id: "o", name: "cert", createdAt: 0)
        let unscoped = Principal(user: user, organisation: organisation, scopes: [])
        #expect(unscoped.scopes == nil && TokenScope.allCases.allSatisfy(unscoped.allows))
        let reading = Principal(user: user, organisation: organisation, scopes: [.taxiiRead])
        #expect(reading.allows(.taxiiRead) && !reading.allows(.taxiiWrite) && !reading.allows(.admin))
    }
}
