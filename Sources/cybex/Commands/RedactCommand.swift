import ArgumentParser
import CybexCore
import CybexFormats
import Foundation

struct RedactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redact",
        abstract: "Preview a redaction policy: print a bundle as its destination would receive it.",
        discussion: """
            Reads a STIX 2.1 bundle (--input, or standard input), applies the policy (JSON, see SECURITY.md, \
            "PII redaction") with the pseudonymisation key in --key-file (its bytes, less one final newline; \
            at least 16) and prints the redacted bundle as compact JSON. Each object's outcome (unchanged, \
            redacted, withheld) is listed on standard error. Nothing is stored. With --max-tlp, properties under \
            a stricter granular TLP marking are removed too.
            """)
    @Option(help: ArgumentHelp("The redaction policy (JSON).", valueName: "file")) var policy: String
    @Option(help: ArgumentHelp("The pseudonymisation key.", valueName: "file")) var keyFile: String
    @Option(help: ArgumentHelp("The bundle (- or absent: standard input).", valueName: "file")) var input: String?
    @Option(
        name: .customLong("max-tlp"),
        help: ArgumentHelp(
            "The strictest TLP level the destination may see (clear, green, amber, amber+strict, red).",
            valueName: "level"))
    var maxTLP: String?

    func validate() throws {
        if let maxTLP, TLPLevel(rawValue: maxTLP) == nil {
            throw ValidationError("--max-tlp must be one of clear, green, amber, amber+strict, red")
        }
    }

    func run() throws {
        let policyData = try read(policy, what: "policy")
        let decoded: RedactionPolicy
        do {
            decoded = try JSONDecoder().decode(RedactionPolicy.self, from: policyData)
        } catch let error as RedactionPolicyError {
            throw CommandFailure(message: "policy \(policy): \(error)")
        } catch {
            throw CommandFailure(message: "policy \(policy) is not a redaction policy: \(Self.describe(error))")
        }
        var key = [UInt8](try read(keyFile, what: "key file"))
        if key.last == UInt8(ascii: "\n") { key.removeLast() }
        let redactor: Redactor
        do {
            redactor = try Redactor(policy: decoded, key: key)
        } catch {
            throw CommandFailure(message: "key file \(keyFile): \(error)")
        }
        let bundle =
            try input.flatMap { $0 == "-" ? nil : try read($0, what: "bundle") }
            ?? FileHandle.standardInput.readDataToEndOfFile()
        let limit = maxTLP.flatMap(TLPLevel.init(rawValue:))
        let result: RedactedBundle
        do {
            result = try redactor.redactBundle([UInt8](bundle), allowed: limit.map { limit in { $0 <= limit } })
        } catch {
            throw CommandFailure(message: "\(input ?? "standard input") is not a STIX bundle: \(error)")
        }
        FileHandle.standardOutput.write(Data(result.bytes + [UInt8(ascii: "\n")]))
        let summary = result.objects.map { "\($0.outcome.rawValue)\t\($0.id ?? "?")" }.joined(separator: "\n")
        if !summary.isEmpty { FileHandle.standardError.write(Data((summary + "\n").utf8)) }
    }

    func read(_ path: String, what: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure(message: "cannot read \(what) \(path)")
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing '\(key.stringValue)'" + (context.codingPath.isEmpty ? "" : " in " + path(context.codingPath))
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            (context.codingPath.isEmpty ? "" : path(context.codingPath) + ": ") + context.debugDescription
        default: String(describing: error)
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().trimmingCharacters(in: ["."])
    }
}
