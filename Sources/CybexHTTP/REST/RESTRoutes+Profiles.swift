import CybexCore
import CybexEngine
import CybexFormats
import Hummingbird

/// Organisation profiles over REST (docs/API.md): sectors, country, ecosystem roles and contacts.
/// Who may read and replace them is ``OrganisationRecordPolicy``'s decision, made in the Engine
/// (``OrganisationProfiles``): an organisation the caller may not read answers 404, as one that does
/// not exist; one it may read but not change answers 403 (audited as `access.denied`). Access is
/// decided before the body is read.
extension RESTRoutes {
    func registerProfiles(on group: RouterGroup<Context>) {
        group.get("organisations/:id/profile") { request, context in try await organisationProfile(request, context) }
        group.put("organisations/:id/profile") { request, context in try await setOrganisationProfile(request, context) }
    }

    /// The fields of a profile body, and of each of its contacts.
    static let profileFields: Set<String> = ["sectors", "country", "roles", "contacts"]
    static let contactFields: Set<String> = ["kind", "email", "phone", "url"]

    func organisationProfile(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let view = try await profiles.profile(ofOrganisation: try context.parameters.require("id"), for: principal)
        return json(Self.profileResource(view))
    }

    /// Replaces the whole profile: a field left out is empty afterwards (no sectors, no country, no
    /// roles, no contacts).
    func setOrganisationProfile(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let id = try context.parameters.require("id")
        try await profiles.requireAccess(toOrganisation: id, for: principal, write: true)
        let profile = try Self.profile(from: try await readBody(request, allowed: Self.profileFields))
        return json(Self.profileResource(try await profiles.setProfile(profile, ofOrganisation: id, by: principal)))
    }

    var profiles: OrganisationProfiles { engine.organisationProfiles }

    /// The profile a body describes, checked field by field: 400 naming the first field at fault
    /// (`sectors[2]`, `country`, `contacts[0].email`, `contacts[1].fax`).
    static func profile(from body: RESTBody) throws -> OrganisationProfile {
        var profile = OrganisationProfile()
        let sectorCount = IndustrySector.allCases.count
        for (index, name) in (try body.stringList("sectors", maxCount: sectorCount) ?? []).enumerated() {
            guard let sector = IndustrySector(rawValue: name) else {
                throw RESTError.invalid(
                    "sectors[\(index)]",
                    "'\(name)' is not a STIX 2.1 industry sector (industry-sector-ov), such as "
                        + "telecommunications, energy or government-national")
            }
            profile.sectors.append(sector)
        }
        profile.country = try body.optionalString("country")
        for (index, name) in (try body.stringList("roles", maxCount: EcosystemRole.allCases.count) ?? []).enumerated() {
            guard let role = EcosystemRole(rawValue: name) else {
                throw RESTError.invalid(
                    "roles[\(index)]",
                    "'\(name)' is not a role: use \(EcosystemRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            profile.roles.append(role)
        }
        switch body["contacts"] {
        case nil, .null?:
            break
        case .array(let values)?:
            guard values.count <= ContactKind.allCases.count else {
                throw RESTError.invalid("contacts", "at most one contact of each kind (\(ContactKind.allCases.count))")
            }
            profile.contacts = try values.enumerated().map { try contact(from: $1, field: "contacts[\($0)]") }
        case let value?:
            throw RESTError.invalid("contacts", "'contacts' must be a list of objects, not \(value.kindName)")
        }
        do {
            try profile.validate()
        } catch {
            throw RESTError.invalid(error.field, error.description)
        }
        return profile
    }

    static func contact(from value: JSONValue, field: String) throws -> OrganisationContact {
        guard let members = value.objectMembers else {
            throw RESTError.invalid(field, "'\(field)' must be an object, not \(value.kindName)")
        }
        for member in members where !contactFields.contains(member.key) {
            throw RESTError.invalid(
                "\(field).\(member.key)",
                "unknown field '\(ControlCharacters.escaped(String(member.key.prefix(64))))'; a contact takes "
                    + contactFields.sorted().joined(separator: ", "))
        }
        func text(_ key: String) throws -> String? {
            switch members.first(where: { $0.key == key })?.value {
            case nil, .null?: return nil
            case .string(let text)?: return try RESTBody.checked(text, field: "\(field).\(key)")
            case let other?: throw RESTError.invalid("\(field).\(key)", "'\(key)' must be a string, not \(other.kindName)")
            }
        }
        guard let kindName = try text("kind") else { throw RESTError.invalid("\(field).kind", "'kind' is required") }
        guard let kind = ContactKind(rawValue: kindName) else {
            throw RESTError.invalid(
                "\(field).kind",
                "'\(kindName)' is not a contact kind: use \(ContactKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return OrganisationContact(kind: kind, email: try text("email"), phone: try text("phone"), url: try text("url"))
    }

    /// `{"organisation", "name", "sectors", "country", "roles", "contacts": [{"kind", "email", "phone", "url"}]}`.
    static func profileResource(_ view: OrganisationProfiles.View) -> JSONValue {
        let profile = view.profile
        return .object([
            ("organisation", .string(view.organisation.id)),
            ("name", .string(view.organisation.name)),
            ("sectors", .array(profile.sectors.map { .string($0.rawValue) })),
            ("country", RESTResources.optional(profile.country)),
            ("roles", .array(profile.roles.map { .string($0.rawValue) })),
            (
                "contacts",
                .array(
                    profile.contacts.map { contact in
                        .object([
                            ("kind", .string(contact.kind.rawValue)), ("email", RESTResources.optional(contact.email)),
                            ("phone", RESTResources.optional(contact.phone)), ("url", RESTResources.optional(contact.url)),
                        ])
                    })
            ),
        ])
    }
}
