import ArgumentParser
import CybexCore
import CybexEngine
import CybexHTTP
import Foundation

/// `cybex peer`: the RID peers of this node (docs/RID.md, "Peers").
struct PeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer", abstract: "Add, list and remove RID peers.", subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a RID peer: who it is (client certificate), where to post to it, and for whom it stands.",
            discussion: """
                The peer's organisation (--organisation) stands for it under the sharing policy: what the peer is sent \
                is what that organisation may read, and the incidents it sends are stored as that organisation in \
                --collection (which it must be able to write). Cases its messages open are handled by --handled-by.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The peer's name (letters, digits, '.', '-', '_').") var name: String
        @Option(help: "The organisation of this node that stands for the peer.") var organisation: String
        @Option(help: "The peer's RID listener, e.g. https://rid.peer.example:4590/.") var url: String
        @Option(help: "SHA-256 fingerprint of a client certificate of the peer (repeatable).") var fingerprint: [String] = []
        @Option(help: "A PEM file with a client certificate of the peer; its fingerprint is registered (repeatable).")
        var certificate: [String] = []
        @Option(help: "The collection the incidents the peer sends are stored in.") var collection: String
        @Option(help: "The organisation of this node that handles the cases the peer's messages open.") var handledBy: String
        @Option(
            help: """
                A message type this node takes from the peer (repeatable; default: all): \
                \(RIDMessageType.allCases.map(\.rawValue).joined(separator: ", ")).
                """)
        var accept: [String] = []

        func validate() throws {
            for name in accept where RIDMessageType(rawValue: name) == nil {
                throw ValidationError(
                    "--accept '\(name)' is not one of \(RIDMessageType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if fingerprint.isEmpty && certificate.isEmpty {
                throw ValidationError("give the peer's client certificate: --certificate FILE or --fingerprint SHA256")
            }
        }

        func run() async throws {
            var fingerprints = fingerprint
            for path in certificate {
                do {
                    fingerprints.append(try RIDTLS.fingerprint(pemFile: path))
                } catch {
                    throw CommandFailure(message: "cannot read a certificate from \(path): \(error)")
                }
            }
            let accepts = accept.isEmpty ? RIDMessageType.allCases : accept.compactMap(RIDMessageType.init(rawValue:))
            try await store.withEngine { engine in
                let view = try await engine.ridPeers().add(
                    RIDPeers.Draft(
                        name: name, organisation: organisation, endpoint: url, fingerprints: fingerprints,
                        collectionID: collection, handler: handledBy, accepts: accepts),
                    actor: "cli")
                print("added peer \(view.peer.name) (\(view.peer.fingerprints.joined(separator: ", ")))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the peers: name, organisation, endpoint, handled by, accepted messages (tab-separated).")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await store.withEngine { engine in
                for view in try await engine.ridPeers().list() {
                    print(
                        [
                            view.peer.name, view.organisationName, view.peer.endpoint, view.handlerName,
                            view.peer.accepts.map(\.rawValue).joined(separator: ","),
                        ].joined(separator: "\t"))
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a peer: its certificates are refused from then on.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The peer's name.") var name: String

        func run() async throws {
            try await store.withEngine { engine in
                try await engine.ridPeers().remove(name, actor: "cli")
                print("removed peer \(name)")
            }
        }
    }
}

/// `cybex rid`: the RID exchanges of this node, for its operator.
struct RIDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rid", abstract: "List RID exchanges.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the RID exchanges, newest first, as JSON Lines (one exchange per line).")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only the exchanges of this case (oldest first).") var `case`: String?

        func run() async throws {
            try await store.withEngine { engine in
                for record in try await engine.ridExchanges(caseID: `case`) {
                    let object: [String: Any] = [
                        "id": record.id, "type": record.kind.rawValue, "role": record.role.rawValue,
                        "state": record.state.rawValue, "incident": ["name": record.incidentName, "id": record.incidentID],
                        "case": record.caseID ?? NSNull(), "upstream": record.upstream ?? NSNull(),
                        "downstream": record.downstream ?? NSNull(), "subject": record.subject ?? NSNull(),
                        "source_found": record.sourceFound ?? NSNull(), "outcome": record.outcome ?? NSNull(),
                        "path": record.path,
                        "messages": record.messages.map {
                            [
                                "time": STIXTimestamp.format(microseconds: $0.time), "direction": $0.direction, "peer": $0.peer,
                                "type": $0.type.rawValue, "status": $0.status ?? NSNull(), "detail": $0.detail ?? NSNull(),
                            ] as [String: Any]
                        },
                    ]
                    let data =
                        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
                        ?? Data()
                    print(String(decoding: data, as: UTF8.self))
                }
            }
        }
    }
}
