/// What an organisation is, for the people who coordinate with it: its sectors, country, roles in the
/// ecosystem, and whom to contact. Sectors map onto STIX 2.1 `identity.sectors`, the country onto a
/// `location`'s `country`.
///
/// A profile is a record that belongs to an organisation but is not a STIX object: who may read and
/// change it is decided by the Engine's `OrganisationRecordPolicy` (SECURITY.md, "Records of an
/// organisation"), not by the sharing policy.
///
/// ```swift
/// let profile = OrganisationProfile(
///     sectors: [.telecommunications], country: "FR", roles: [.serviceProvider],
///     contacts: [OrganisationContact(kind: .abuse, email: "abuse@isp.example")])
/// try profile.validate()   // OrganisationProfileError names the field at fault
/// ```
public struct OrganisationProfile: Sendable, Hashable, Codable {
    /// STIX 2.1 industry sectors (industry-sector-ov).
    public var sectors: [IndustrySector]
    /// ISO 3166-1 alpha-2 code, upper case (`FR`); nil when not given.
    public var country: String?
    /// The organisation's roles in the ecosystem (ITU-T Resolution 50, resolves 10).
    public var roles: [EcosystemRole]
    /// At most one contact of each kind.
    public var contacts: [OrganisationContact]

    public init(
        sectors: [IndustrySector] = [], country: String? = nil, roles: [EcosystemRole] = [],
        contacts: [OrganisationContact] = []
    ) {
        self.sectors = sectors
        self.country = country
        self.roles = roles
        self.contacts = contacts
    }

    /// The profile of an organisation that never set one.
    public static let empty = OrganisationProfile()

    /// Whether nothing is set.
    public var isEmpty: Bool { self == .empty }

    /// The contact of `kind`, if there is one.
    public func contact(_ kind: ContactKind) -> OrganisationContact? {
        contacts.first { $0.kind == kind }
    }

    /// The same profile in its one stored order: sectors and roles without repeats, in vocabulary
    /// order; contacts in kind order (abuse, security, general).
    public var normalised: OrganisationProfile {
        OrganisationProfile(
            sectors: IndustrySector.allCases.filter { sectors.contains($0) }, country: country,
            roles: EcosystemRole.allCases.filter { roles.contains($0) },
            contacts: contacts.sorted { $0.kind.order < $1.kind.order })
    }

    /// Checks every field; throws for the first one at fault, named as in the REST body (`country`,
    /// `contacts[1].email`, `contacts[2].kind`). Contacts are numbered in the order given.
    public func validate() throws(OrganisationProfileError) {
        if let country { try Self.checkCountry(country, field: "country") }
        var kinds: Set<ContactKind> = []
        for (index, contact) in contacts.enumerated() {
            let field = "contacts[\(index)]"
            guard kinds.insert(contact.kind).inserted else {
                throw OrganisationProfileError(
                    field: "\(field).kind", "a second '\(contact.kind.rawValue)' contact; give at most one contact of each kind")
            }
            try contact.validate(field: field)
        }
    }

    /// The longest e-mail address (RFC 5321's path limit less the angle brackets).
    public static let maxEmailLength = 254
    /// The longest phone number as written (E.164 has at most 15 digits; spaces and punctuation besides).
    public static let maxPhoneLength = 32
    /// The longest URL.
    public static let maxURLLength = 2048

    /// Throws unless `country` is two letters A-Z (ISO 3166-1 alpha-2, upper case).
    public static func checkCountry(_ country: String, field: String) throws(OrganisationProfileError) {
        let scalars = Array(country.unicodeScalars)
        guard scalars.count == 2, scalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
            throw OrganisationProfileError(
                field: field,
                "'\(ControlCharacters.escaped(String(country.prefix(16))))' is not an ISO 3166-1 alpha-2 country code "
                    + "(two upper-case letters A-Z, such as FR)")
        }
    }
}

/// One way to reach an organisation: a kind and at least one of e-mail, phone and URL.
public struct OrganisationContact: Sendable, Hashable, Codable {
    public var kind: ContactKind
    public var email: String?
    public var phone: String?
    public var url: String?

    public init(kind: ContactKind, email: String? = nil, phone: String? = nil, url: String? = nil) {
        self.kind = kind
        self.email = email
        self.phone = phone
        self.url = url
    }

    /// Checks the contact; `field` (`contacts[0]`) prefixes the names in errors.
    public func validate(field: String) throws(OrganisationProfileError) {
        guard email != nil || phone != nil || url != nil else {
            throw OrganisationProfileError(field: field, "a contact needs an e-mail address, a phone number or a URL")
        }
        if let email { try ContactSyntax.checkEmail(email, field: "\(field).email") }
        if let phone { try ContactSyntax.checkPhone(phone, field: "\(field).phone") }
        if let url { try ContactSyntax.checkURL(url, field: "\(field).url") }
    }
}

/// What a contact is for.
public enum ContactKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Where reports of abuse from the organisation's networks go (RFC 9116's and IODEF's `abuse`).
    case abuse
    /// Where security issues and incidents concerning the organisation go.
    case security
    /// Everything else.
    case general

    var order: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

/// The roles ITU-T Resolution 50 names in the ecosystem of threat management ("equipment vendors,
/// software providers, service providers and end users", and the CIRTs that coordinate them).
public enum EcosystemRole: String, Sendable, Hashable, Codable, CaseIterable {
    case cirt
    case equipmentVendor = "equipment-vendor"
    case softwareProvider = "software-provider"
    case serviceProvider = "service-provider"
    case endUser = "end-user"
}

/// STIX 2.1's industry sector vocabulary (industry-sector-ov, section 10.12), the values of an
/// `identity`'s `sectors`.
public enum IndustrySector: String, Sendable, Hashable, Codable, CaseIterable {
    case agriculture
    case aerospace
    case automotive
    case chemical
    case commercial
    case communications
    case construction
    case defense
    case education
    case energy
    case entertainment
    case financialServices = "financial-services"
    case government
    case emergencyServices = "emergency-services"
    case governmentNational = "government-national"
    case governmentRegional = "government-regional"
    case governmentLocal = "government-local"
    case governmentPublicServices = "government-public-services"
    case healthcare
    case hospitalityLeisure = "hospitality-leisure"
    case infrastructure
    case dams
    case nuclear
    case water
    case insurance
    case manufacturing
    case mining
    case nonProfit = "non-profit"
    case pharmaceuticals
    case retail
    case technology
    case telecommunications
    case transportation
    case utilities
}

/// A profile field refused, with the field named as in the REST body.
public struct OrganisationProfileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input at fault, e.g. `country` or `contacts[0].email`.
    public var field: String
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "'\(field)': \(message)" }
}

/// The syntax of contact details: bounded, printable, no white space, no control characters.
/// Deliberately narrower than the RFCs allow (no quoted local parts, no comments, no IP literals):
/// these are addresses people are to write to, not every string a mail server would take.
public enum ContactSyntax {
    /// `local@domain`: a local part of 1 to 64 characters of letters, digits and
    /// ``emailLocalPunctuation`` (no leading, trailing or double dot); a domain of at least two
    /// dot-separated labels of letters, digits and hyphens (1 to 63 characters, no hyphen at either
    /// end). Letters are ASCII or any other non-ASCII letter (internationalised addresses).
    public static func checkEmail(_ email: String, field: String) throws(OrganisationProfileError) {
        try checkText(email, field: field, max: OrganisationProfile.maxEmailLength)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last, !local.isEmpty, local.count <= 64,
            local.unicodeScalars.allSatisfy({ isWordScalar($0) || emailLocalPunctuation.contains($0) }),
            !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."), isDomain(domain)
        else {
            throw OrganisationProfileError(field: field, "not an e-mail address such as abuse@example.org")
        }
    }

    /// What a local part may hold besides letters and digits.
    public static let emailLocalPunctuation: Set<Unicode.Scalar> = [
        ".", "_", "%", "+", "-", "'", "!", "#", "$", "&", "*", "=", "?", "^", "`", "{", "|", "}", "~", "/",
    ]

    /// An international phone number as written: `+`, then digits with single spaces, hyphens,
    /// dots or parentheses between them; 4 to 15 digits (E.164).
    public static func checkPhone(_ phone: String, field: String) throws(OrganisationProfileError) {
        try checkText(phone, field: field, max: OrganisationProfile.maxPhoneLength, spaces: true)
        let scalars = Array(phone.unicodeScalars)
        let digits = scalars.filter { ("0"..."9").contains($0) }.count
        let separators: Set<Unicode.Scalar> = [" ", "-", ".", "(", ")"]
        guard scalars.first == "+", (4...15).contains(digits), let last = scalars.last, ("0"..."9").contains(last),
            scalars.dropFirst().allSatisfy({ ("0"..."9").contains($0) || separators.contains($0) }),
            !phone.contains("  ")
        else {
            throw OrganisationProfileError(
                field: field, "not an international phone number such as +33 1 23 45 67 89 (a '+', then 4 to 15 digits)")
        }
    }

    /// An absolute `https` or `http` URL with a host: no white space, no user information.
    public static func checkURL(_ url: String, field: String) throws(OrganisationProfileError) {
        try checkText(url, field: field, max: OrganisationProfile.maxURLLength)
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = url.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            rest = url.dropFirst(7)
        } else {
            throw OrganisationProfileError(field: field, "not an http or https URL such as https://example.org/security")
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var host = authority
        if let colon = authority.lastIndex(of: ":") {
            let port = authority[authority.index(after: colon)...]
            guard !port.isEmpty, port.count <= 5, port.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else {
                throw OrganisationProfileError(field: field, "the URL's port is not a number")
            }
            host = authority[..<colon]
        }
        guard !authority.contains("@"), isDomain(host), !url.unicodeScalars.contains(where: { $0 == " " || $0 == "\\" })
        else {
            throw OrganisationProfileError(
                field: field, "not an http or https URL with a host name such as https://example.org/security")
        }
    }

    /// Throws when `text` is empty, longer than `max` characters, or holds a control character, an
    /// invisible character or white space (other than plain spaces, when `spaces`).
    static func checkText(_ text: String, field: String, max: Int, spaces: Bool = false) throws(OrganisationProfileError) {
        if let scalar = ControlCharacters.first(in: text) {
            throw OrganisationProfileError(field: field, ControlCharacterError(field: field, scalar: scalar).description)
        }
        guard !text.isEmpty else { throw OrganisationProfileError(field: field, "must not be empty") }
        // Counted in Unicode scalars, so that combining characters cannot stretch a value.
        guard text.unicodeScalars.count <= max else {
            throw OrganisationProfileError(field: field, "at most \(max) characters")
        }
        guard
            !text.unicodeScalars.contains(where: {
                ($0.properties.isWhitespace && !(spaces && $0 == " ")) || $0.properties.isDefaultIgnorableCodePoint
            })
        else {
            throw OrganisationProfileError(field: field, "must not contain white space or invisible characters")
        }
    }

    /// Two or more labels of 1 to 63 letters, digits and hyphens, no hyphen at either end; the last
    /// not all digits.
    static func isDomain(_ domain: Substring) -> Bool {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard domain.count <= 253, labels.count >= 2, let top = labels.last,
            !top.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) })
        else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { isWordScalar($0) || $0 == "-" }
        }
    }

    /// An ASCII letter or digit, or a letter or digit beyond ASCII.
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }
}
