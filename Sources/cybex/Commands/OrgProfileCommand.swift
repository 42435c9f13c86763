public import ArgumentParser
public import CybexCore
import CybexEngine
import CybexFormats

/// The profile options of `cybex org set`: sectors, country, ecosystem roles and contacts. Each
/// given option replaces that part of the profile; the rest stays as it is.
struct ProfileOptions: ParsableArguments {
    @Option(
        name: .customLong("sector"),
        help:
            "A STIX 2.1 industry sector (industry-sector-ov), such as telecommunications; repeat for several. Replaces the sectors."
    )
    var sectors: [IndustrySector] = []
    @Flag(help: "Remove every sector.") var noSectors = false
    @Option(help: "The ISO 3166-1 alpha-2 country code, upper case (FR).") var country: String?
    @Flag(help: "Remove the country.") var noCountry = false
    @Option(
        name: .customLong("role"),
        help:
            "A role in the ecosystem (ITU-T Resolution 50); repeat for several. Replaces the roles."
    )
    var roles: [EcosystemRole] = []
    @Flag(help: "Remove every role.") var noRoles = false
    @Option(
        name: .customLong("contact"),
        help: ArgumentHelp(
            "A contact, KIND,email=ADDRESS,phone=NUMBER,url=URL with at least one of the three; replaces that kind's contact.",
            valueName: "kind,field=value…"))
    var contacts: [String] = []
    @Option(name: .customLong("no-contact"), help: ArgumentHelp("Remove the contact of this kind.", valueName: "kind"))
    var removedContacts: [ContactKind] = []

    /// Whether any profile option was given.
    var hasChanges: Bool {
        !sectors.isEmpty || noSectors || country != nil || noCountry || !roles.isEmpty || noRoles || !contacts.isEmpty
            || !removedContacts.isEmpty
    }

    func validate() throws {
        for (flag, values, none) in [
            ("--sector", !sectors.isEmpty, noSectors), ("--country", country != nil, noCountry),
            ("--role", !roles.isEmpty, noRoles),
        ] where values && none {
            throw ValidationError("\(flag) and --no-\(flag.dropFirst(2))\(flag == "--country" ? "" : "s") exclude each other")
        }
        _ = try change()
    }

    /// The change the options describe, each contact checked; a `ValidationError` (exit 2) otherwise.
    func change() throws -> OrganisationProfileChange {
        var change = OrganisationProfileChange()
        if !sectors.isEmpty || noSectors { change.sectors = sectors }
        if !roles.isEmpty || noRoles { change.roles = roles }
        if let country {
            do {
                try OrganisationProfile.checkCountry(country, field: "--country")
            } catch {
                throw ValidationError(error.description)
            }
            change.country = .some(country)
        } else if noCountry {
            change.country = .some(nil)
        }
        for text in contacts {
            let contact = try Self.contact(parsing: text)
            if change.contacts.contains(where: { $0.kind == contact.kind }) {
                throw ValidationError("--contact \(contact.kind.rawValue) is given twice")
            }
            if removedContacts.contains(contact.kind) {
                throw ValidationError(
                    "--contact \(contact.kind.rawValue) and --no-contact \(contact.kind.rawValue) exclude each other")
            }
            change.contacts.append(contact)
        }
        change.removedContacts = Set(removedContacts)
        return change
    }

    /// A contact from `KIND,email=…,phone=…,url=…`. A comma inside a URL stays in it: after `url=`, a
    /// segment that does not start a field belongs to the URL.
    static func contact(parsing text: String) throws -> OrganisationContact {
        var segments = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let kindName = segments.removeFirst()
        guard let kind = ContactKind(rawValue: kindName) else {
            throw ValidationError(
                "--contact '\(text)': '\(kindName)' is not a contact kind: use \(ContactKind.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        var fields: [String: String] = [:]
        var last: String?
        for segment in segments {
            let parts = segment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, ["email", "phone", "url"].contains(String(parts[0])) {
                let key = String(parts[0])
                guard fields[key] == nil else { throw ValidationError("--contact '\(text)': \(key) is given twice") }
                fields[key] = String(parts[1])
                last = key
            } else if last == "url" {
                fields["url", default: ""] += "," + segment
            } else {
                throw ValidationError("--contact '\(text)': '\(segment)' is not email=…, phone=… or url=…")
            }
        }
        let contact = OrganisationContact(kind: kind, email: fields["email"], phone: fields["phone"], url: fields["url"])
        do {
            try contact.validate(field: "--contact \(kind.rawValue)")
        } catch {
            throw ValidationError(error.description)
        }
        return contact
    }
}

extension IndustrySector: ExpressibleByArgument {}

extension EcosystemRole: ExpressibleByArgument {}

extension ContactKind: ExpressibleByArgument {}

extension OrgCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an organisation and its profile: sectors, country, roles and contacts.",
            discussion: "Lines of NAME<TAB>VALUE ('-' for none), one 'contact' line per contact; --json for one JSON object.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The organisation's name.") var name: String
        @Flag(help: "Print one JSON object, as GET /api/v1/organisations/{id}/profile answers, with parent and default_tlp.")
        var json = false

        func run() async throws {
            let (organisation, profile, parent) = try await store.withEngine { engine in
                try await engine.administration(actor: "cli").profile(organisation: name)
            }
            if json {
                print(JSONWriter.string(Self.document(organisation, profile, parent: parent)))
                return
            }
            func list(_ values: [String]) -> String { values.isEmpty ? "-" : values.joined(separator: ",") }
            print("id\t\(organisation.id)")
            print("name\t\(organisation.name)")
            print("parent\t\(parent ?? "-")")
            print("default_tlp\t\(organisation.defaultTLP?.rawValue ?? "-")")
            print("sectors\t\(list(profile.sectors.map(\.rawValue)))")
            print("country\t\(profile.country ?? "-")")
            print("roles\t\(list(profile.roles.map(\.rawValue)))")
            for contact in profile.contacts {
                let fields = [("email", contact.email), ("phone", contact.phone), ("url", contact.url)]
                    .compactMap { key, value in value.map { "\(key)=\($0)" } }
                print((["contact", contact.kind.rawValue] + fields).joined(separator: "\t"))
            }
        }

        static func document(_ organisation: Organisation, _ profile: OrganisationProfile, parent: String?) -> JSONValue {
            func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
            return .object([
                ("organisation", .string(organisation.id)), ("name", .string(organisation.name)), ("parent", optional(parent)),
                ("default_tlp", optional(organisation.defaultTLP?.rawValue)),
                ("sectors", .array(profile.sectors.map { .string($0.rawValue) })), ("country", optional(profile.country)),
                ("roles", .array(profile.roles.map { .string($0.rawValue) })),
                (
                    "contacts",
                    .array(
                        profile.contacts.map { contact in
                            .object([
                                ("kind", .string(contact.kind.rawValue)), ("email", optional(contact.email)),
                                ("phone", optional(contact.phone)), ("url", optional(contact.url)),
                            ])
                        })
                ),
            ])
        }
    }
}
