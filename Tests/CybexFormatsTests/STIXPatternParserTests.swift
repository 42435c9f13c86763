import CybexCore
import CybexFormats
import Foundation
import Testing

/// The pattern examples of STIX 2.1 section 9, in `Fixtures/patterns/stix-2.1-section-9-examples.txt`.
/// Lines starting with `! ` are examples the specification's own rules refuse.
enum PatternExamples {
    static let lines: [String] = {
        let url = Fixtures.directory.appendingPathComponent("patterns/stix-2.1-section-9-examples.txt")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }()
    static let all = lines.filter { !$0.hasPrefix("! ") }
    static let refused = lines.filter { $0.hasPrefix("! ") }.map { String($0.dropFirst(2)) }
}

@Suite struct STIXPatternParserTests {
    typealias P = STIXPattern

    static func path(_ type: String, _ steps: P.PathStep...) -> P.ObjectPath {
        P.ObjectPath(objectType: type, steps: steps)
    }

    static func test(_ path: P.ObjectPath, _ op: P.Operator, _ operands: P.Literal..., not: Bool = false)
        -> P.ComparisonExpression
    {
        .comparison(P.Comparison(path: path, op: op, negated: not, operands: operands))
    }

    @Test func specificationExamplesArePresent() {
        #expect(PatternExamples.all.count >= 60)
    }

    /// Every example parses, and its canonical text parses back to the same tree.
    @Test(arguments: PatternExamples.all)
    func specificationExampleParses(text: String) throws {
        let pattern = try P(parsing: text)
        #expect(try P(parsing: pattern.description) == pattern, "\(pattern)")
        #expect(!pattern.objectTypes.isEmpty)
    }

    @Test func placeholderExamplesWithHyphensAreRefused() {
        #expect(PatternExamples.refused.count == 2)
        for text in PatternExamples.refused { #expect(throws: STIXPatternError.self) { try P(parsing: text) } }
    }

    @Test func observationOperatorsTakePrecedence() throws {
        // AND binds tighter than OR, OR tighter than FOLLOWEDBY (section 9.5.3).
        let a = P.ObservationExpression.observation(Self.test(Self.path("a", .key("b")), .equal, .integer(1)))
        let b = P.ObservationExpression.observation(Self.test(Self.path("a", .key("b")), .equal, .integer(2)))
        let c = P.ObservationExpression.observation(Self.test(Self.path("a", .key("b")), .equal, .integer(3)))
        let d = P.ObservationExpression.observation(Self.test(Self.path("a", .key("b")), .equal, .integer(4)))
        let pattern = try P(parsing: "[a:b = 1] OR [a:b = 2] AND [a:b = 3] FOLLOWEDBY [a:b = 4]")
        #expect(pattern.expression == .followedBy([.or([a, .and([b, c])]), d]))
        let grouped = try P(parsing: "[a:b = 1] AND ([a:b = 2] OR [a:b = 3])")
        #expect(grouped.expression == .and([a, .or([b, c])]))
        #expect(grouped.description == "[a:b = 1] AND ([a:b = 2] OR [a:b = 3])")
    }

    @Test func qualifiersApplyToTheExpressionOnTheirLeft() throws {
        // Section 9.5.2: `[a] FOLLOWEDBY [c] REPEATS 5 TIMES` repeats c only.
        let pattern = try P(parsing: "[x:a = 'b'] FOLLOWEDBY [x:c = 'd'] REPEATS 5 TIMES")
        guard case .followedBy(let operands) = pattern.expression else {
            Issue.record("not a FOLLOWEDBY: \(pattern.expression)")
            return
        }
        #expect(operands.count == 2)
        #expect(
            operands[1]
                == .qualified(.observation(Self.test(Self.path("x", .key("c")), .equal, .string("d"))), [.repeats(times: 5)]))
        let whole = try P(parsing: "([x:a = 'b'] FOLLOWEDBY [x:c = 'd']) REPEATS 5 TIMES WITHIN 1.5 SECONDS")
        guard case .qualified(.followedBy, let qualifiers) = whole.expression else {
            Issue.record("not qualified: \(whole.expression)")
            return
        }
        #expect(qualifiers == [.repeats(times: 5), .within(seconds: 1.5)])
    }

    @Test func shapesOfSpecificationExamples() throws {
        let beacon = try P(
            parsing:
                "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS"
        )
        #expect(
            beacon.expression
                == .qualified(
                    .observation(
                        .and([
                            Self.test(
                                Self.path("network-traffic", .key("dst_ref"), .key("type")), .equal, .string("domain-name")),
                            Self.test(
                                Self.path("network-traffic", .key("dst_ref"), .key("value")), .equal, .string("example.com")),
                        ])), [.repeats(times: 5), .within(seconds: 1800)]))

        let entropy = try P(parsing: "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]")
        #expect(
            entropy.expression
                == .observation(
                    Self.test(
                        Self.path(
                            "file", .key("extensions"), .key("windows-pebinary-ext"), .key("sections"), .anyIndex, .key("entropy")
                        ),
                        .greater, .float(7))))

        let set = try P(parsing: "[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']")
        let created = try #require(STIXTimestamp(parsing: "2014-01-13T07:03:17Z"))
        #expect(
            set.expression
                == .observation(
                    .and([
                        .or([
                            Self.test(Self.path("file", .key("name")), .equal, .string("pdf.exe")),
                            Self.test(Self.path("file", .key("size")), .equal, .integer(371_712)),
                        ]),
                        Self.test(Self.path("file", .key("created")), .equal, .timestamp(created)),
                    ])))

        let magic = try P(parsing: "[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']")
        #expect(
            magic.expression
                == .observation(
                    .and([
                        Self.test(Self.path("file", .key("mime_type")), .equal, .string("image/bmp")),
                        Self.test(Self.path("file", .key("magic_number_hex")), .equal, .hex([0xFF, 0xD8])),
                    ])))

        let registry = try P(parsing: "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']")
        #expect(
            registry.expression
                == .observation(
                    Self.test(Self.path("windows-registry-key", .key("key")), .equal, .string("HKEY_LOCAL_MACHINE\\foo\\bar"))))

        let start = try P(parsing: "[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'")
        guard case .qualified(_, let qualifiers) = start.expression, case .startStop(let from, let to) = qualifiers.first else {
            Issue.record("no START/STOP: \(start.expression)")
            return
        }
        #expect(from.description == "2016-06-01T00:00:00.000000Z" && to.description == "2016-07-01T00:00:00.000000Z")
        #expect(start.description == "[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'")
    }

    @Test func operatorsAndLiterals() throws {
        let text = """
            [a:b NOT != 'x' AND a:c <> 1 AND a:d == -2 AND a:e < .5 AND a:f <= +3 AND a:g >= -0.25 \
            AND a:h IN ('p', 'q') AND a:i NOT LIKE 'x%' AND a:j MATCHES '^a' AND a:k ISSUBSET '10.0.0.0/8' \
            AND a:l NOT ISSUPERSET '10.0.0.0/8' AND NOT EXISTS a:m AND a:n = true AND a:o = b'AAE=' AND a:p[0][-1] = false \
            AND a:'x y'.'it\\'s' = 'z']
            """
        let pattern = try P(parsing: text)
        var operators: [String] = []
        pattern.forEachComparison { operators.append(($0.negated ? "NOT " : "") + $0.op.rawValue) }
        #expect(
            operators == [
                "NOT !=", "!=", "=", "<", "<=", ">=", "IN", "NOT LIKE", "MATCHES", "ISSUBSET", "NOT ISSUPERSET",
                "NOT EXISTS", "=", "=", "=", "=",
            ])
        var operands: [P.Literal] = []
        pattern.forEachComparison { operands += $0.operands }
        #expect(
            operands == [
                .string("x"), .integer(1), .integer(-2), .float(0.5), .integer(3), .float(-0.25), .string("p"), .string("q"),
                .string("x%"), .string("^a"), .string("10.0.0.0/8"), .string("10.0.0.0/8"), .boolean(true),
                .binary([0, 1]), .boolean(false), .string("z"),
            ])
        var paths: [String] = []
        pattern.forEachComparison { paths.append($0.path.description) }
        #expect(paths.last == "a:'x y'.'it\\'s'")
        #expect(paths[paths.count - 2] == "a:p[0][-1]")
        #expect(try P(parsing: pattern.description) == pattern)
    }

    @Test func equalTextsAreEqualTrees() throws {
        #expect(try P(parsing: "[file:'name' == 'a']") == P(parsing: "[ file : name = 'a' ]"))
        #expect(try P(parsing: "[file:name <> 'a'] /* c */") == P(parsing: "[file:name != 'a']"))
        #expect(try P(parsing: "[a:b = 'c'] OR [a:b = 'c']") != P(parsing: "[a:b = 'c'] AND [a:b = 'c']"))
    }

    @Test func jsonTree() throws {
        let pattern = try P(parsing: "[file:hashes.'SHA-256' = 'ab' OR file:size IN (1, 2)] WITHIN 60 SECONDS")
        let json = JSONWriter.string(pattern.json)
        #expect(json.contains(#""qualifiers":[{"within":60}]"#))
        #expect(json.contains(#""steps":[{"key":"hashes"},{"key":"SHA-256"}]"#))
        #expect(json.contains(#""operator":"IN","negated":false,"operands":[{"integer":1},{"integer":2}]"#))
        #expect(json.contains(#""object_types":["file"]"#))
    }

    @Test func objectTypesAndSingleObservations() throws {
        let pattern = try P(parsing: "[a:b = 1 OR c-d:e.f_ref.g = 2] AND [h:i = 3]")
        #expect(pattern.objectTypes == ["a", "c-d", "h"])
        #expect(!pattern.isSingleObservation)
        #expect(try P(parsing: "([a:b = 1]) WITHIN 5 SECONDS REPEATS 1 TIMES").isSingleObservation)
        #expect(try !P(parsing: "[a:b = 1] REPEATS 2 TIMES").isSingleObservation)
    }

    @Test(arguments: [
        ("[a:b = 'c'", STIXPatternError.Code.syntax, 10),
        ("[a:b = 'c'] WITHIN 0 SECONDS", .invalidQualifier, 19),
        ("[a:b = 'c'] REPEATS 0 TIMES", .invalidQualifier, 20),
        ("[a:b IN ('c', 1)]", .invalidLiteral, 8),
        ("[a:b MATCHES '(']", .invalidLiteral, 13),
        ("[a:b = 99999999999999999999]", .invalidLiteral, 7),
        ("[a:b = 'c'] WITHIN 5 SECONDS WITHIN 6 SECONDS", .syntax, 29),
        ("[a:b = 'c'] FOLLOWEDBY", .syntax, 22),
        ("[a:b = 'c' AND a:d = 'é' AND x]", .syntax, 31),
    ])
    func errorsSayWhere(text: String, code: STIXPatternError.Code, offset: Int) {
        do {
            let pattern = try P(parsing: text)
            Issue.record("accepted: \(pattern)")
        } catch {
            #expect(error.code == code, "\(error)")
            #expect(error.offset == offset, "\(error)")
            #expect(error.description.hasSuffix("at byte \(offset)"))
        }
    }

    /// Hostile input fails fast: deep nesting, long text, long chains, long strings.
    @Test func hostileInputFailsFast() throws {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            let deep = String(repeating: "(", count: 100_000) + "[a:b = 'c']" + String(repeating: ")", count: 100_000)
            #expect(throws: STIXPatternError.self) { try P(parsing: deep) }
            let deepComparison =
                "[" + String(repeating: "(", count: 100_000) + "a:b = 1" + String(repeating: ")", count: 100_000) + "]"
            #expect(throws: STIXPatternError.self) { try P(parsing: deepComparison) }
            let long = "[a:b = '" + String(repeating: "x", count: STIXPattern.maxLength) + "']"
            #expect((try? P(parsing: long)) == nil)
            let unclosed = "[a:b = '" + String(repeating: "x", count: STIXPattern.maxLength - 20)
            #expect((try? P(parsing: unclosed)) == nil)
            let comment = "[a:b = 1] /*" + String(repeating: "*", count: STIXPattern.maxLength - 20)
            #expect((try? P(parsing: comment)) == nil)
        }
        #expect(elapsed < .seconds(5), "\(elapsed)")
        // A long chain is one node with many operands: no recursion per operand, anywhere.
        let chain = Array(repeating: "[a:b = 1]", count: 20_000).joined(separator: " AND ")
        let pattern = try P(parsing: chain)
        guard case .and(let operands) = pattern.expression else {
            Issue.record("not an AND")
            return
        }
        #expect(operands.count == 20_000)
        #expect(pattern == (try P(parsing: pattern.description)))
        let qualifiers = "([a:b = 1])" + String(repeating: " WITHIN 5 SECONDS", count: 20_000)
        #expect((try? P(parsing: qualifiers)) != nil)
    }

    @Test func floatsAreWrittenWithoutExponents() throws {
        for value in [0.00001, 1e21, -2.5e-7, 7.0, 123.456] {
            let pattern = P(.observation(Self.test(Self.path("a", .key("b")), .equal, .float(value))))
            #expect(!pattern.description.contains("e"), "\(pattern)")
            #expect(try P(parsing: pattern.description) == pattern, "\(pattern)")
        }
    }
}
