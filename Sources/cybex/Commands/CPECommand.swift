import ArgumentParser
import CybexFormats
import Foundation

/// `cybex cpe`: read, convert and match CPE 2.3 names (docs/VULNERABILITIES.md, "CPE").
struct CPECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cpe", abstract: "Read, convert and match CPE 2.3 names.", subcommands: [Match.self, Show.self])

    struct Match: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare a source CPE name with a target (NISTIR 7696): one JSON line.",
            discussion: """
                Each name is a formatted string (cpe:2.3:…), a URI (cpe:/…) or a WFN (wfn:[…]). Prints \
                {"source", "target", "relation", "matches", "attributes"}: relation is EQUAL, SUBSET, SUPERSET, \
                DISJOINT or UNDEFINED; matches is true when the source names the target (SUPERSET or EQUAL); \
                attributes gives each attribute's relation. Exits 1 when a name is not valid, naming the \
                attribute at fault.
                """)
        @Argument(help: "The source name (it may carry wildcards).") var source: String
        @Argument(help: "The target name.") var target: String

        func run() throws {
            let source = try CPECommand.name(self.source, "source")
            let target = try CPECommand.name(self.target, "target")
            let relations = source.attributeRelations(to: target)
            let relation = source.relation(to: target)
            print(
                JSONWriter.string(
                    .object([
                        ("source", .string(source.formattedString)), ("target", .string(target.formattedString)),
                        ("relation", .string(relation.rawValue)), ("matches", .bool(relation == .superset || relation == .equal)),
                        ("attributes", .object(zip(CPEName.attributes, relations).map { ($0, .string($1.rawValue)) })),
                    ])))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a CPE name in its three forms: one JSON line each.",
            discussion: """
                Prints {"fs", "uri", "wfn"} for each name (formatted string, URI or WFN); an invalid name \
                prints {"name", "error", "attribute"} and the command exits 1 after the last one.
                """)
        @Argument(help: "CPE names.") var names: [String]

        func run() throws {
            var invalid = 0
            for text in names {
                do {
                    let name = try CPEName(parsing: text)
                    print(
                        JSONWriter.string(
                            .object([
                                ("fs", .string(name.formattedString)), ("uri", .string(name.uri)), ("wfn", .string(name.wfn)),
                            ])))
                } catch {
                    invalid += 1
                    var members: [(key: String, value: JSONValue)] = [("name", .string(text)), ("error", .string(error.message))]
                    if let attribute = error.attribute { members.append(("attribute", .string(attribute))) }
                    print(JSONWriter.string(.object(members)))
                }
            }
            if invalid > 0 { throw ExitCode(1) }
        }
    }

    static func name(_ text: String, _ role: String) throws -> CPEName {
        do {
            return try CPEName(parsing: text)
        } catch {
            throw CommandFailure(message: "\(role) \"\(text)\": \(error.message)")
        }
    }
}
