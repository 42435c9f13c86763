import ArgumentParser
import CybexCore
import CybexEngine
import CybexFormats
import Foundation

/// `cybex csaf validate FILE...`: CSAF 2.0 documents checked as ingest checks them.
struct CSAFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csaf", abstract: "Check and publish CSAF 2.0 advisories.", subcommands: [Validate.self, Publish.self])

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish CSAF 2.0 advisories: ingest them and serve them in provider mode.",
            discussion: """
                Each document is checked as `cybex csaf validate` checks it, ingested into the collection (a report, its \
                vulnerabilities, its product status as VEX statements) and kept byte for byte, with its SHA-256 and \
                SHA-512, for `cybex serve --csaf-publisher-name` to serve under /.well-known/csaf/TLP/YEAR/FILE. Who may \
                read it there is who may read its report under the sharing policy. A newer release of an advisory \
                replaces the one published; an older or the same one is refused. Audited as csaf.publish.
                """)
        @OptionGroup var store: StoreOptions
        @Option(help: "The collection the advisories are ingested into.") var collection: String
        @Option(help: "The organisation recorded as owner (default: the node's first organisation).") var owner: String?
        @Argument(help: "The documents.") var files: [String]

        func run() async throws {
            try await store.withEngine { engine in
                let run = try await engine.operatorImport(into: collection, ownerName: owner, actor: "cli")
                var failed = 0
                for file in files {
                    do {
                        let (advisory, _) = try await engine.csafProvider().publish(
                            try readInput(file, what: "CSAF document"), with: run, actor: "cli")
                        print("\(file)\t\(advisory.folder)/\(advisory.path)\t\(advisory.sha256)")
                    } catch let error as EngineError {
                        failed += 1
                        Terminal.error("\(file): \(error.message)")
                    }
                }
                try await run.finish(imported: files.count - failed, of: files.count)
                if failed > 0 { throw ExitCode(1) }
            }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check CSAF 2.0 documents against the schema and every mandatory test (§6.1).",
            discussion: """
                Prints one line per document: FILE<TAB>valid, or FILE<TAB>invalid followed by one line per problem \
                (TEST<TAB>JSON-POINTER<TAB>MESSAGE). Tests 6.1.11 (CWE names) and 6.1.12 (language subtags) use the \
                catalogues loaded with `cybex reference load`; without them only the forms are checked. Exits 1 when \
                a document is invalid.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The documents.") var files: [String]

        func run() async throws {
            let reference = try await store.withEngine { engine in try await engine.csaf.reference() }
            var invalid = 0
            for file in files {
                let bytes = try readInput(file, what: "CSAF document")
                do {
                    _ = try CSAFDocument(bytes: bytes, reference: reference)
                    print("\(file)\tvalid")
                } catch {
                    invalid += 1
                    print("\(file)\tinvalid")
                    for problem in error.problems { print("\(problem.test)\t\(problem.path)\t\(problem.message)") }
                }
            }
            if invalid > 0 { throw ExitCode(1) }
        }
    }
}

/// `cybex reference load|list`: the catalogues CSAF's tests compare against.
struct ReferenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference", abstract: "Load the CWE catalogue and the IANA language subtag registry.",
        subcommands: [Load.self, List.self])

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a reference catalogue with a file.",
            discussion: """
                cwe: MITRE's CWE list as CSV (a header naming CWE-ID and Name, as cwe.mitre.org's downloads have). \
                language-subtags: IANA's Language Subtag Registry file (records separated by %%). Audited as \
                reference.load.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "cwe or language-subtags.") var catalogue: String
        @Argument(help: "The file, or - for standard input.") var file: String

        func run() async throws {
            let bytes = try readInput(file, what: "catalogue")
            let count = try await store.withEngine { engine in
                try await engine.referenceCatalogues.load(catalogue, bytes: bytes, actor: "cli")
            }
            print("\(catalogue): \(count) entries")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the loaded catalogues and their sizes.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let sizes = try await store.withEngine { engine in try await engine.referenceCatalogues.sizes() }
            for name in ReferenceCatalogues.names { print("\(name)\t\(sizes[name] ?? 0)") }
        }
    }
}
