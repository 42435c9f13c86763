import ArgumentParser
import CybexCore
import CybexEngine

/// `cybex group`: sharing groups (trust circles) and their member organisations.
struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group", abstract: "Manage sharing groups (trust circles of organisations).",
        subcommands: [Add.self, List.self, AddMember.self, RemoveMember.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an empty sharing group and print its id.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The group's name.") var name: String

        func run() async throws {
            let group = try await store.withEngine { engine in
                try await engine.administration(actor: "cli").addSharingGroup(name: name)
            }
            print(group.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List sharing groups: name, then member organisations, comma-separated.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await store.withEngine { engine in
                let names = Dictionary(uniqueKeysWithValues: try await engine.directory.organisations().map { ($0.id, $0.name) })
                for group in try await engine.directory.sharingGroups() {
                    let members = group.members.map { names[$0] ?? $0 }.sorted().joined(separator: ",")
                    print("\(group.name)\t\(members)")
                }
            }
        }
    }

    struct AddMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-member", abstract: "Add an organisation to a sharing group.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The group's name.") var group: String
        @Argument(help: "The organisation's name.") var organisation: String

        func run() async throws {
            try await store.withEngine { engine in
                try await engine.administration(actor: "cli").addMember(group: group, organisation: organisation)
            }
            print("added \(organisation) to \(group)")
        }
    }

    struct RemoveMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-member", abstract: "Remove an organisation from a sharing group.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The group's name.") var group: String
        @Argument(help: "The organisation's name.") var organisation: String

        func run() async throws {
            try await store.withEngine { engine in
                try await engine.administration(actor: "cli").removeMember(group: group, organisation: organisation)
            }
            print("removed \(organisation) from \(group)")
        }
    }
}
