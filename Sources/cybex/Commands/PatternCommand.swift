import ArgumentParser
import CybexCore
import CybexFormats
import Foundation

/// `cybex pattern`: check STIX patterns and match them against observed data, without a store
/// (docs/CORRELATION.md, "Patterns and retro-hunt: the matcher").
struct PatternCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pattern", abstract: "Check STIX 2.1 patterns and match them against observed data.",
        subcommands: [Check.self, Match.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check patterns: one line each, ok or the error and the byte where it is.",
            discussion: """
                Exits 1 when a pattern is not valid. --json prints each pattern's tree instead of ok, and \
                {"error": …, "code": …, "offset": …} for an invalid one.
                """)
        @Argument(help: ArgumentHelp("STIX patterns (quote each).", valueName: "pattern")) var patterns: [String]
        @Flag(help: "Print each pattern's tree as JSON.") var json = false

        func run() throws {
            var invalid = 0
            for text in patterns {
                do {
                    let pattern = try STIXPattern(parsing: text)
                    print(json ? JSONWriter.string(pattern.json) : "ok")
                } catch {
                    invalid += 1
                    print(json ? JSONWriter.string(PatternCommand.json(error)) : "error: \(error)")
                }
            }
            if invalid > 0 { throw ExitCode(1) }
        }
    }

    struct Match: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Match a pattern against observed data: prints true or false.",
            discussion: """
                Each FILE is a STIX bundle, an observed-data object or a JSON array of objects; together they \
                are the observations: every observed-data, its object_refs resolved against the other \
                objects (or its deprecated embedded objects). Exits 0 whether or not the pattern matches, 1 \
                when the pattern or the data is invalid.

                With --stdin, reads JSON Lines instead, {"pattern": "…", "observed": [objects]}, and prints \
                one line for each: {"match": true|false} or {"error": "…"}.
                """)
        @Argument(help: ArgumentHelp("The STIX pattern, then the files.", valueName: "pattern")) var arguments: [String] = []
        @Flag(name: .customLong("stdin"), help: "Read pattern and observations pairs as JSON Lines.") var batch =
            false

        func validate() throws {
            if batch, !arguments.isEmpty { throw ValidationError("--stdin takes no pattern or files") }
            if !batch, arguments.count < 2 { throw ValidationError("give a pattern and at least one file") }
        }

        func run() throws {
            if batch { return PatternCommand.matchLines() }
            let matcher: STIXPatternMatcher
            do {
                matcher = try STIXPatternMatcher(parsing: arguments[0])
            } catch {
                throw CommandFailure(message: "invalid pattern: \(error)")
            }
            var objects: [JSONValue] = []
            for path in arguments.dropFirst() {
                let bytes: Data
                do {
                    bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                } catch {
                    throw CommandFailure(message: "cannot read \(path)")
                }
                do {
                    objects += try PatternCommand.objects(in: JSONReader.parse(bytes))
                } catch {
                    throw CommandFailure(message: "\(path): \(error)")
                }
            }
            do {
                print(try matcher.matches(STIXObservation.observations(in: objects)))
            } catch {
                throw CommandFailure(message: "\(error)")
            }
        }
    }

    /// The objects of a bundle, of an array, or the one object given.
    static func objects(in document: JSONValue) -> [JSONValue] {
        if let elements = document.arrayValue { return elements }
        if document["type"]?.stringValue == "bundle" { return document["objects"]?.arrayValue ?? [] }
        return [document]
    }

    /// `--stdin`: one answer line per input line, a pattern parsed once however often it comes.
    static func matchLines() {
        var matchers: [String: STIXPatternMatcher] = [:]
        var output: [UInt8] = []
        while let line = readLine(strippingNewline: true) {
            if line.allSatisfy(\.isWhitespace) { continue }
            let answer: JSONValue
            do {
                let request = try JSONReader.parse(Array(line.utf8))
                guard let text = request["pattern"]?.stringValue, let observed = request["observed"]?.arrayValue else {
                    throw CommandFailure(message: "a line needs \"pattern\" (a string) and \"observed\" (an array)")
                }
                let matcher: STIXPatternMatcher
                if let cached = matchers[text] {
                    matcher = cached
                } else {
                    matcher = try STIXPatternMatcher(parsing: text)
                    if matchers.count >= 4_096 { matchers.removeAll() }
                    matchers[text] = matcher
                }
                answer = .object([("match", .bool(try matcher.matches(STIXObservation.observations(in: observed))))])
            } catch let failure as CommandFailure {
                answer = .object([("error", .string(failure.message))])
            } catch {
                answer = .object([("error", .string("\(error)"))])
            }
            JSONWriter.write(answer, into: &output)
            output.append(UInt8(ascii: "\n"))
            if output.count >= 1 << 16 {
                FileHandle.standardOutput.write(Data(output))
                output.removeAll(keepingCapacity: true)
            }
        }
        FileHandle.standardOutput.write(Data(output))
    }

    static func json(_ error: STIXPatternError) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("error", .string(error.message)), ("code", .string(error.code.rawValue)),
        ]
        if let offset = error.offset { members.append(("offset", .number(String(offset)))) }
        return .object(members)
    }
}
