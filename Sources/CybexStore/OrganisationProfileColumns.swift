import CybexCore

/// How both stores keep an ``OrganisationProfile`` (migration 11): sectors and ecosystem roles as
/// space-separated names in `organisations.sectors` and `organisations.ecosystem_roles`, the country
/// in `organisations.country`, one `organisation_contacts` row per contact, keyed by kind.
enum OrganisationProfileColumns {
    /// Names separated by single spaces (vocabulary names hold none).
    static func encode<Value: RawRepresentable>(_ values: [Value]) -> String where Value.RawValue == String {
        values.map(\.rawValue).joined(separator: " ")
    }

    /// The values of `text` this version knows, in stored order; unknown names are left out.
    static func decode<Value: RawRepresentable>(_ text: String, as _: Value.Type) -> [Value] where Value.RawValue == String {
        text.split(separator: " ").compactMap { Value(rawValue: String($0)) }
    }

    /// The profile read from its columns, contacts in kind order.
    static func profile(sectors: String, country: String?, roles: String, contacts: [OrganisationContact]) -> OrganisationProfile
    {
        let order = ContactKind.allCases
        return OrganisationProfile(
            sectors: decode(sectors, as: IndustrySector.self), country: country, roles: decode(roles, as: EcosystemRole.self),
            contacts: contacts.sorted { (order.firstIndex(of: $0.kind) ?? 0) < (order.firstIndex(of: $1.kind) ?? 0) })
    }

    /// Throws ``StoreError`` `.invalidArgument` when a text of `profile` holds a NUL (it would be cut
    /// short, see ``StoredText``), or when two contacts share a kind.
    static func requireStorable(_ profile: OrganisationProfile) throws {
        try StoredText.require(profile.country, "country")
        var kinds: Set<ContactKind> = []
        for contact in profile.contacts {
            guard kinds.insert(contact.kind).inserted else {
                throw StoreError(.invalidArgument, "two \(contact.kind.rawValue) contacts; an organisation has one of each kind")
            }
            try StoredText.require([
                (contact.email, "contact e-mail"), (contact.phone, "contact phone"), (contact.url, "contact URL"),
            ])
        }
    }
}
