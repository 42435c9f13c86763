import ArgumentParser
import CybexFormats
import Foundation

/// `cybex purl`: read package URLs and print their canonical form and components
/// (docs/VULNERABILITIES.md, "Package URLs").
struct PurlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purl", abstract: "Read package URLs: canonical form and components, one JSON line each.",
        discussion: """
            Prints {"purl", "type", "namespace", "name", "version", "qualifiers", "subpath"} for each package \
            URL, purl being the canonical form (the registered type's rules applied: case, name normalisation, \
            required namespace or qualifiers) and absent components null. An invalid one prints {"input", \
            "error"} and the command exits 1 after the last one. With no argument, reads them one per line \
            from standard input, so thousands are one process.
            """)
    @Argument(help: "Package URLs, e.g. pkg:npm/%40scope/name@1.0.0.") var purls: [String] = []

    func run() throws {
        var invalid = 0
        var output = ""
        func show(_ text: String) {
            do {
                let purl = try PackageURL(parsing: text)
                let qualifiers = JSONValue.object(purl.qualifiers.map { ($0.key, .string($0.value)) })
                output +=
                    JSONWriter.string(
                        .object([
                            ("purl", .string(purl.canonical)), ("type", .string(purl.type)),
                            ("namespace", purl.namespace.isEmpty ? .null : .string(purl.namespace.joined(separator: "/"))),
                            ("name", .string(purl.name)), ("version", purl.version.map(JSONValue.string) ?? .null),
                            ("qualifiers", qualifiers),
                            ("subpath", purl.subpath.isEmpty ? .null : .string(purl.subpath.joined(separator: "/"))),
                        ])) + "\n"
            } catch {
                invalid += 1
                output += JSONWriter.string(.object([("input", .string(text)), ("error", .string(error.message))])) + "\n"
            }
            if output.utf8.count >= 1 << 16 {
                FileHandle.standardOutput.write(Data(output.utf8))
                output = ""
            }
        }
        if purls.isEmpty {
            while let line = readLine(strippingNewline: true) {
                if !line.isEmpty { show(line) }
            }
        } else {
            purls.forEach(show)
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if invalid > 0 { throw ExitCode(1) }
    }
}
