public import ArgumentParser
public import CybexCore
import CybexEngine
import Foundation

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or upgrade the store's schema.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let version = try await store.withEngine { try await $0.schemaVersion() }
        print("store is at schema version \(version)")
    }
}

struct OrgCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org", abstract: "Manage organisations.", subcommands: [Add.self, List.self, Update.self, Show.self])

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Change an organisation's parent, default TLP level or profile.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The organisation's name.") var name: String
        @Option(help: "The organisation it becomes a constituent of.") var parent: String?
        @Flag(help: "Make it a constituent of no organisation.") var noParent = false
        @Option(help: "Its new default TLP level: clear, green, amber, amber+strict or red.") var defaultTlp: TLPLevel?
        @Flag(help: "Remove its default TLP level.") var noDefaultTlp = false
        @OptionGroup(title: "Profile") var profile: ProfileOptions

        func validate() throws {
            if parent != nil && noParent { throw ValidationError("--parent and --no-parent exclude each other") }
            if defaultTlp != nil && noDefaultTlp {
                throw ValidationError("--default-tlp and --no-default-tlp exclude each other")
            }
            if parent == nil && !noParent && defaultTlp == nil && !noDefaultTlp && !profile.hasChanges {
                throw ValidationError(
                    "say what to change: --parent, --no-parent, --default-tlp, --no-default-tlp or a profile option")
            }
        }

        func run() async throws {
            let parentChange: String?? = noParent ? .some(nil) : parent.map { .some($0) }
            let tlpChange: TLPLevel?? = noDefaultTlp ? .some(nil) : defaultTlp.map { .some($0) }
            let profileChange = profile.hasChanges ? try profile.change() : nil
            let organisation = try await store.withEngine { engine in
                let administration = engine.administration(actor: "cli")
                let organisation = try await administration.updateOrganisation(
                    name: name, parent: parentChange, defaultTLP: tlpChange)
                if let profileChange { try await administration.updateProfile(organisation: name, profileChange) }
                return organisation
            }
            print(organisation.id)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an organisation.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The organisation's name.") var name: String
        @Option(help: "The organisation it is a constituent of.") var parent: String?
        @Option(help: "The TLP level of its objects that say none: clear, green, amber, amber+strict or red.")
        var defaultTlp: TLPLevel?

        func run() async throws {
            let organisation = try await store.withEngine { engine in
                try await engine.administration(actor: "cli")
                    .addOrganisation(name: name, parent: parent, defaultTLP: defaultTlp)
            }
            print(organisation.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List organisations: id, name, parent, default TLP ('-' for none).")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let organisations = try await store.withEngine { try await $0.directory.organisations() }
            let names = Dictionary(uniqueKeysWithValues: organisations.map { ($0.id, $0.name) })
            for organisation in organisations {
                let parent = organisation.parentID.map { names[$0] ?? $0 } ?? "-"
                let tlp = organisation.defaultTLP?.rawValue ?? "-"
                print("\(organisation.id)\t\(organisation.name)\t\(parent)\t\(tlp)")
            }
        }
    }
}

extension Role: ExpressibleByArgument {}

extension TLPLevel: ExpressibleByArgument {}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Add.self, List.self, Disable.self, Enable.self])

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a user: their password and API tokens stop working at once.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's login name.") var username: String

        func run() async throws {
            _ = try await store.withEngine {
                try await $0.administration(actor: "cli").setDisabled(username: username, true)
            }
            print("disabled \(username)")
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled user again.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's login name.") var username: String

        func run() async throws {
            _ = try await store.withEngine {
                try await $0.administration(actor: "cli").setDisabled(username: username, false)
            }
            print("enabled \(username)")
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user. The password is read from standard input (one line), or prompted for on a terminal.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's login name.") var username: String
        @Option(help: "The user's organisation.") var org: String
        @Option(help: "admin, analyst, contributor, reader or sync.") var role: Role

        func run() async throws {
            let password = try Terminal.readPassword(prompt: "Password for \(username): ")
            let user = try await store.withEngine { engine in
                try await engine.administration(actor: "cli")
                    .addUser(username: username, organisation: org, role: role, password: password)
            }
            print(user.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await store.withEngine { engine in
                let organisations = Dictionary(
                    uniqueKeysWithValues: try await engine.directory.organisations().map { ($0.id, $0.name) })
                for user in try await engine.directory.users() {
                    let state = user.disabled ? "disabled" : "active"
                    print("\(user.username)\t\(organisations[user.organisationID] ?? "?")\t\(user.role.rawValue)\t\(state)")
                }
            }
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage API tokens.", subcommands: [Create.self, List.self, Revoke.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List API tokens: id, user, created, expires, state, scopes. Secrets are never shown again.",
            discussion: "The scopes column is the token's scopes separated by spaces, or 'all' (everything the role allows).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Only this user's tokens.") var username: String?

        func run() async throws {
            try await store.withEngine { engine in
                var userID: String?
                if let username {
                    guard let user = try await engine.directory.user(named: username) else {
                        throw CommandFailure(message: "no user named '\(username)'")
                    }
                    userID = user.id
                }
                let names = Dictionary(uniqueKeysWithValues: try await engine.directory.users().map { ($0.id, $0.username) })
                let now = SystemWallClock.nowMicroseconds()
                for token in try await engine.directory.tokens(userID: userID) {
                    let state = token.revokedAt != nil ? "revoked" : (token.isUsable(at: now) ? "active" : "expired")
                    let expires = token.expiresAt.map { STIXTimestamp.format(microseconds: $0, fractionDigits: 0) } ?? "never"
                    print(
                        "\(token.id)\t\(names[token.userID] ?? token.userID)\t"
                            + "\(STIXTimestamp.format(microseconds: token.createdAt, fractionDigits: 0))\t\(expires)\t\(state)\t"
                            + (token.scopes.isEmpty ? "all" : TokenScope.encode(token.scopes)))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API token by its id (see 'cybex token list').")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The token's id.") var id: String

        func run() async throws {
            try await store.withEngine { try await $0.administration(actor: "cli").revokeToken(id: id) }
            print("revoked \(id)")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token for a user and print it. Only a hash is stored: the token cannot be shown again.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user the token acts for.") var username: String
        @Option(help: "Days until the token expires (default: never).") var expiresInDays: Int?
        @Option(
            name: .customLong("scope"),
            help: ArgumentHelp(
                "Limit the token to a scope (repeatable): taxii:read, taxii:write, api:read, api:write, admin.",
                discussion: "Without --scope the token reaches everything the user's role allows.")
        ) var scopes: [String] = []

        func validate() throws {
            if let days = expiresInDays, days <= 0 {
                throw ValidationError("--expires-in-days must be a positive number of days")
            }
            do {
                _ = try TokenScope.parse(scopes)
            } catch {
                throw ValidationError(error.description)
            }
        }

        func run() async throws {
            let expiry = expiresInDays.map { SystemWallClock.nowMicroseconds() + Int64($0) * 86_400_000_000 }
            let scopes = try TokenScope.parse(self.scopes)
            let created = try await store.withEngine { engine in
                try await engine.administration(actor: "cli")
                    .createToken(username: username, expiresAt: expiry, scopes: scopes)
            }
            print(created.secret)
        }
    }
}

struct CollectionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collection", abstract: "Manage collections.", subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a collection and print its id.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The collection's title.") var title: String
        @Option(help: "A description.") var description: String?
        @Option(name: .customLong("read"), help: "An organisation that may read (repeatable).") var readers: [String] = []
        @Option(name: .customLong("write"), help: "An organisation that may write (repeatable).") var writers: [String] = []
        @Option(help: "The TLP level of its objects that carry no TLP marking: clear, green, amber, amber+strict or red.")
        var defaultTlp: TLPLevel?
        @Option(help: "Narrow the audience to the readers that are members of this sharing group.") var sharingGroup: String?
        @Flag(name: .customLong("public"), help: "Serve its TLP:CLEAR objects to anyone, without credentials too.")
        var isPublic = false

        func run() async throws {
            let collection = try await store.withEngine { engine in
                try await engine.administration(actor: "cli")
                    .addCollection(
                        title: title, description: description, readers: readers, writers: writers, defaultTLP: defaultTlp,
                        sharingGroup: sharingGroup, isPublic: isPublic)
            }
            print(collection.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List collections: id, objects, title, readers, writers, default TLP, sharing group, public.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await store.withEngine { engine in
                let names = Dictionary(uniqueKeysWithValues: try await engine.directory.organisations().map { ($0.id, $0.name) })
                let groups = Dictionary(uniqueKeysWithValues: try await engine.directory.sharingGroups().map { ($0.id, $0.name) })
                for collection in try await engine.directory.collections() {
                    let count = try await engine.directory.objectCount(in: collection.id)
                    let readers = collection.readers.map { names[$0] ?? $0 }.joined(separator: ",")
                    let writers = collection.writers.map { names[$0] ?? $0 }.joined(separator: ",")
                    let tlp = collection.defaultTLP?.rawValue ?? "-"
                    let group = collection.sharingGroupID.map { groups[$0] ?? $0 } ?? "-"
                    print(
                        "\(collection.id)\t\(count)\t\(collection.title)\tread:\(readers)\twrite:\(writers)"
                            + "\ttlp:\(tlp)\tgroup:\(group)\t\(collection.isPublic ? "public" : "private")")
                }
            }
        }
    }
}
