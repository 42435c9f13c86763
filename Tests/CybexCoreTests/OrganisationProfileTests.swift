import Testing

@testable import CybexCore

/// The checks of ``OrganisationProfile``: what passes, what is refused, and the field each refusal names.
@Suite("Organisation profiles")
struct OrganisationProfileTests {
    static let longLocal = String(repeating: "a", count: 64)
    static let longLabel = String(repeating: "b", count: 63)

    @Test(arguments: [
        "abuse@isp.example", "first.last+tag@sub.isp.example", "o'brien@isp.example", "\(longLocal)@\(longLabel).example",
        "jürgen@städtische-werke.example", "x@xn--80ak6aa92e.example",
    ])
    func emailAddressesThatPass(email: String) throws {
        try ContactSyntax.checkEmail(email, field: "email")
    }

    @Test(arguments: [
        "", "abuse", "abuse@", "@isp.example", "abuse@isp", "a@b@isp.example", "a b@isp.example", ".a@isp.example",
        "a.@isp.example", "a..b@isp.example", "a@-isp.example", "a@isp-.example", "a@isp..example", "a@isp.example.",
        "a@192.168.0.1", "a@[192.168.0.1]", "\"a\"@isp.example", "a@isp.example\u{0}", "a@isp.example\r\nBcc: x@evil.example",
        "a\u{200B}@isp.example", "a\u{85}@isp.example", "a<script>@isp.example", "\(longLocal)a@isp.example",
        "a@\(longLabel)b.example", "a@" + String(repeating: "abc.", count: 70) + "example",
    ])
    func emailAddressesThatAreRefused(email: String) {
        let error = #expect(throws: OrganisationProfileError.self) {
            try ContactSyntax.checkEmail(email, field: "contacts[0].email")
        }
        #expect(error?.field == "contacts[0].email")
    }

    @Test(arguments: [
        "+33 1 23 45 67 89", "+1 (555) 123-4567", "+4930123", "+44.20.7946.0958", "+" + String(repeating: "9", count: 15),
    ])
    func phoneNumbersThatPass(phone: String) throws {
        try ContactSyntax.checkPhone(phone, field: "phone")
    }

    @Test(arguments: [
        "", "0123456789", "+12", "+" + String(repeating: "9", count: 16), "+33 1 23 45 67 89 ext. 2", "+33  1 23", "+33 1\t23",
        "+33 1 23;", "+33 1 23 45 67 89 ", "+33\u{0}1234", "+33 1 23 45 67 89 00 00 00 00 00 00",
    ])
    func phoneNumbersThatAreRefused(phone: String) {
        #expect(throws: OrganisationProfileError.self) { try ContactSyntax.checkPhone(phone, field: "phone") }
    }

    @Test(arguments: [
        "https://isp.example", "https://isp.example/.well-known/security.txt", "http://isp.example:8080/a?b=c#d",
        "HTTPS://ISP.EXAMPLE/", "https://isp.example/" + String(repeating: "x", count: 2028),
    ])
    func urlsThatPass(url: String) throws {
        try ContactSyntax.checkURL(url, field: "url")
    }

    @Test(arguments: [
        "", "isp.example", "ftp://isp.example", "javascript:alert(1)", "https://", "https:///path",
        "https://user:pw@isp.example/",
        "https://isp.example:port/", "https://isp.example:123456/", "https://isp.example/a b", "https://isp.example/\u{7F}",
        "https://isp.example\\@evil.example", "https://localhost/", "https://isp.example/" + String(repeating: "x", count: 2029),
    ])
    func urlsThatAreRefused(url: String) {
        #expect(throws: OrganisationProfileError.self) { try ContactSyntax.checkURL(url, field: "url") }
    }

    @Test
    func countriesAreTwoUpperCaseLetters() throws {
        for country in ["FR", "DE", "SN", "ZZ"] { try OrganisationProfile.checkCountry(country, field: "country") }
        for country in ["fr", "Fr", "FRA", "F", "", "F1", "ÉT", "Ｆ Ｒ", "F\u{0}"] {
            #expect(throws: OrganisationProfileError.self, "\(country)") {
                try OrganisationProfile.checkCountry(country, field: "country")
            }
        }
    }

    @Test
    func aProfileNamesTheFieldAtFault() throws {
        try OrganisationProfile().validate()
        let cases: [(OrganisationProfile, String)] = [
            (OrganisationProfile(country: "fr"), "country"),
            (OrganisationProfile(contacts: [OrganisationContact(kind: .abuse)]), "contacts[0]"),
            (
                OrganisationProfile(contacts: [
                    OrganisationContact(kind: .abuse, email: "a@isp.example"), OrganisationContact(kind: .security, phone: "12"),
                ]), "contacts[1].phone"
            ),
            (
                OrganisationProfile(contacts: [
                    OrganisationContact(kind: .abuse, email: "a@isp.example"),
                    OrganisationContact(kind: .abuse, url: "https://isp.example"),
                ]), "contacts[1].kind"
            ),
            (OrganisationProfile(contacts: [OrganisationContact(kind: .general, url: "isp.example")]), "contacts[0].url"),
        ]
        for (profile, field) in cases {
            let error = #expect(throws: OrganisationProfileError.self) { try profile.validate() }
            #expect(error?.field == field)
        }
    }

    @Test
    func normalisedOrderIsTheVocabularys() {
        let profile = OrganisationProfile(
            sectors: [.water, .energy, .water], roles: [.endUser, .cirt, .cirt],
            contacts: [
                OrganisationContact(kind: .general, url: "https://isp.example"),
                OrganisationContact(kind: .abuse, phone: "+331234"),
            ])
        let normalised = profile.normalised
        #expect(normalised.sectors == [.energy, .water])
        #expect(normalised.roles == [.cirt, .endUser])
        #expect(normalised.contacts.map(\.kind) == [.abuse, .general])
        #expect(IndustrySector.allCases.count == 34 && EcosystemRole.allCases.count == 5)
    }
}
