import ArgumentParser
import CybexFormats
import Foundation

/// `cybex vers`: check version ranges and whether versions fall in them (docs/VULNERABILITIES.md, "Version ranges").
struct VersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vers", abstract: "Check a vers version range and whether versions are in it.",
        discussion: """
            Prints the range in canonical form, then one line per version: "in", "out", or "unknown" when \
            Cybex has no version order for the range's type (it has semver, npm, cargo, golang, deb, rpm, \
            intdot, lexicographic). With no version, reads them one per line from standard input. Exits 1 \
            when the range is not valid (a vers range must already be canonical).
            """)
    @Argument(help: "The range, e.g. vers:npm/>=1.2.0|<2.0.0.") var range: String
    @Argument(help: "Versions to check.") var versions: [String] = []

    func run() throws {
        let parsed: VersionRange
        do {
            parsed = try VersionRange(parsing: range)
        } catch {
            throw CommandFailure(message: "\(range): \(error.message)")
        }
        var output = parsed.description + "\n"
        func check(_ version: String) {
            switch parsed.contains(version) {
            case true?: output += "in\t\(version)\n"
            case false?: output += "out\t\(version)\n"
            case nil: output += "unknown\t\(version)\n"
            }
        }
        if versions.isEmpty {
            while let line = readLine(strippingNewline: true) {
                if !line.isEmpty { check(line) }
            }
        } else {
            versions.forEach(check)
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}
