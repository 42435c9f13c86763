import ArgumentParser
import CybexFormats
import Foundation

/// `cybex cvss`: score CVSS v3.0, v3.1 and v4.0 vectors, one JSON line each (docs/VULNERABILITIES.md, "CVSS").
struct CVSSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cvss", abstract: "Score CVSS v3.0, v3.1 and v4.0 vectors: one JSON line per vector.",
        discussion: """
            Reads the vectors from the arguments, or one per line from standard input when none is given \
            (blank lines are skipped), so thousands of vectors are one process. Each line is FIRST's JSON \
            form: version, vectorString (canonical order), baseScore, baseSeverity, and for v3 the temporal \
            and environmental scores, for v4 the score of the whole vector with its nomenclature (CVSS-B, \
            CVSS-BT, CVSS-BE, CVSS-BTE) and macro vector. An invalid vector prints {"vector": …, "error": …, \
            "code": …, "metric": …} naming the metric at fault, and the command exits 1 after the last line.
            """)

    @Argument(help: ArgumentHelp("CVSS vectors (none: read standard input).", valueName: "vector"))
    var vectors: [String] = []

    func run() throws {
        var output: [UInt8] = []
        var invalid = 0
        func score(_ vector: String) {
            do {
                JSONWriter.write(try CVSS.score(vector).json, into: &output)
            } catch {
                invalid += 1
                guard case .object(let members) = error.json else { return }
                JSONWriter.write(.object([("vector", .string(vector))] + members), into: &output)
            }
            output.append(UInt8(ascii: "\n"))
            if output.count >= 1 << 16 {
                FileHandle.standardOutput.write(Data(output))
                output.removeAll(keepingCapacity: true)
            }
        }
        if vectors.isEmpty {
            while let line = readLine(strippingNewline: true) {
                let vector = line.trimmingCharacters(in: .whitespaces)
                if !vector.isEmpty { score(vector) }
            }
        } else {
            vectors.forEach(score)
        }
        FileHandle.standardOutput.write(Data(output))
        if invalid > 0 { throw ExitCode(1) }
    }
}
