import CybexFormats
import Testing

/// The scores of FIRST's worked examples and the refusal of bad vectors; the agreement with the Python
/// `cvss` package on random vectors is Tests/interop/test_cvss.py.
@Suite struct CVSSTests {
    private func scores(_ vector: String) throws -> CVSSResult { try CVSS.score(vector) }

    @Test(arguments: [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "9.8", "9.8", "9.8"),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", "6.4", "6.4", "6.4"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/MAV:A/MS:U", "9.6", "8.6", "7.2"),
        ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", "0.0", "0.0", "0.0"),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "10.0", "10.0", "10.0"),
    ])
    func v3Examples(vector: String, base: String, temporal: String, environmental: String) throws {
        guard case .v3(let result) = try scores(vector) else {
            Issue.record("not v3")
            return
        }
        #expect(
            [result.base.description, result.temporal.description, result.environmental.description] == [
                base, temporal, environmental,
            ])
    }

    @Test(arguments: [
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "9.3", "000200", "CVSS-B"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", "10.0", "000100", "CVSS-B"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", "8.1", "000220", "CVSS-BT"),
        ("CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", "1.0", "212201", "CVSS-B"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", "0.0", "002201", "CVSS-B"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:S", "9.7", "100000", "CVSS-BE"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/CR:L/IR:L/AR:L", "8.9", "000201", "CVSS-BTE"),
    ])
    func v4Examples(vector: String, score: String, macroVector: String, nomenclature: String) throws {
        guard case .v4(let result) = try scores(vector) else {
            Issue.record("not v4")
            return
        }
        #expect(result.score.description == score)
        #expect(result.macroVector == macroVector)
        #expect(result.nomenclature == nomenclature)
    }

    @Test func supplementalMetricsNeverChangeTheScore() throws {
        let plain = try scores("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
        let supplemented = try scores(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P/AU:Y/R:I/V:C/RE:H/U:Red")
        #expect(plain.overall == supplemented.overall)
        guard case .v4(let result) = supplemented else { return }
        #expect(result.nomenclature == "CVSS-B")
    }

    @Test func canonicalOrderDropsUndefinedMetrics() throws {
        let result = try scores("CVSS:3.1/C:H/AV:N/AC:L/PR:N/UI:N/S:U/I:H/A:H/E:X/MAV:N")
        #expect(result.vectorString == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAV:N")
    }

    @Test func severityBands() {
        #expect(
            [0, 1, 39, 40, 69, 70, 89, 90, 100].map { CVSSScore(tenths: $0).severity } == [
                .none, .low, .low, .medium, .medium, .high, .high, .critical, .critical,
            ])
    }

    @Test(arguments: [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Z", CVSSError.Code.invalidValue, "A"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", .missingMetric, "A"),
        ("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", .duplicateMetric, "AV"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AT:N", .unknownMetric, "AT"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N", .invalidValue, "SI"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:red", .invalidValue, "U"),
    ])
    func refusalsNameTheMetric(vector: String, code: CVSSError.Code, metric: String) {
        #expect(throws: CVSSError.self) { try CVSS.score(vector) }
        do {
            _ = try CVSS.score(vector)
        } catch {
            #expect(error.code == code)
            #expect(error.metric == metric)
            #expect(error.message.contains(metric))
        }
    }

    @Test(arguments: ["", "CVSS:3.1/", "CVSS:3.1/AV:N/", "CVSS:3.1/AV:N:L", "CVSS:3.2/AV:N", "cvss:3.1/AV:N"])
    func malformedVectorsAreRefused(vector: String) {
        #expect(throws: CVSSError.self) { try CVSS.score(vector) }
    }
}
