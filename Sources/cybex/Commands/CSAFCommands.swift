import ArgumentParser
import CybexCore
import CybexEngine
import CybexFormats
import Foundation

/// `cybex csaf validate FILE...`: CSAF 2.0 documents checked as ingest checks them.
struct CSAFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csaf", abstract: "Check CSAF 2.0 advisories.", subcommands: [Validate.self])

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
