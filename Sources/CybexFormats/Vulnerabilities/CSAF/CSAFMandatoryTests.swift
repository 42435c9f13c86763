import CybexCore

/// The mandatory tests of CSAF 2.0 (§6.1): every one of 6.1.1 to 6.1.33 (6.1.27's profile tests for the
/// profiles their document category selects), on a document that meets the schema. 6.1.11 (CWE names) and
/// 6.1.12 (language subtags) compare against the reference catalogues loaded into the node (``CSAFReference``);
/// without one, only the forms are checked.
enum CSAFMandatoryTests {
    static func run(_ csaf: CSAFDocument, reference: CSAFReference) -> [CSAFProblem] {
        var problems: [CSAFProblem] = []
        func fail(_ test: String, _ path: String, _ message: String) {
            problems.append(CSAFProblem(test: test, path: path, message: message))
        }
        let definitions = csaf.productDefinitions
        let defined = Set(definitions.map(\.productID))
        // 6.1.1, 6.1.2
        for (path, id) in csaf.productReferences where !defined.contains(id) {
            fail("6.1.1", path, "product id \(id) is not defined in the product tree")
        }
        var seen: Set<String> = []
        for definition in definitions where !seen.insert(definition.productID).inserted {
            fail("6.1.2", definition.path, "product id \(definition.productID) is defined more than once")
        }
        circularDefinitions(csaf, fail)
        // 6.1.4, 6.1.5
        let groupIDs = Set(csaf.groupDefinitions.map(\.1))
        for (path, id) in csaf.groupReferences where !groupIDs.contains(id) {
            fail("6.1.4", path, "product group id \(id) is not defined in the product tree")
        }
        var seenGroups: Set<String> = []
        for (path, id) in csaf.groupDefinitions where !seenGroups.insert(id).inserted {
            fail("6.1.5", path, "product group id \(id) is defined more than once")
        }
        let groups = csaf.groups
        for (number, vulnerability) in csaf.vulnerabilities.enumerated() {
            vulnerabilityTests(vulnerability, at: "/vulnerabilities/\(number)", groups: groups, reference: reference, fail)
        }
        // 6.1.23
        var cves: Set<String> = []
        for (number, vulnerability) in csaf.vulnerabilities.enumerated() {
            if let cve = vulnerability["cve"]?.stringValue, !cves.insert(cve).inserted {
                fail("6.1.23", "/vulnerabilities/\(number)/cve", "\(cve) is used by more than one vulnerability")
            }
        }
        documentTests(csaf, reference: reference, fail)
        productTreeTests(csaf, fail)
        profileTests(csaf, groups: groups, fail)
        return problems
    }

    typealias Fail = (String, String, String) -> Void

    /// 6.1.3: following a relationship's references through the relationships that define them never comes
    /// back to the id it defines.
    static func circularDefinitions(_ csaf: CSAFDocument, _ fail: Fail) {
        var references: [String: [String]] = [:]
        var paths: [String: String] = [:]
        for (index, relationship) in (csaf.json["product_tree"]?["relationships"]?.arrayValue ?? []).enumerated() {
            guard let id = relationship["full_product_name"]?["product_id"]?.stringValue else { continue }
            references[id, default: []] += ["product_reference", "relates_to_product_reference"].compactMap {
                relationship[$0]?.stringValue
            }
            paths[id] = paths[id] ?? "/product_tree/relationships/\(index)/full_product_name/product_id"
        }
        for start in references.keys.sorted() {
            var pending = references[start] ?? []
            var visited: Set<String> = []
            while let next = pending.popLast() {
                if next == start {
                    fail("6.1.3", paths[start] ?? "", "product id \(start) is defined in terms of itself")
                    break
                }
                if visited.insert(next).inserted { pending += references[next] ?? [] }
            }
        }
    }

    static func covered(_ entry: JSONValue, groups: [String: [String]]) -> Set<String> {
        var ids = Set(entry["product_ids"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        for group in entry["group_ids"]?.arrayValue?.compactMap(\.stringValue) ?? [] { ids.formUnion(groups[group] ?? []) }
        return ids
    }

    static func vulnerabilityTests(
        _ vulnerability: JSONValue, at path: String, groups: [String: [String]], reference: CSAFReference, _ fail: Fail
    ) {
        // 6.1.6: the groups of product status are disjoint.
        let status = vulnerability["product_status"]
        let contradicting: [(String, [String])] = [
            ("affected", ["first_affected", "known_affected", "last_affected"]), ("not affected", ["known_not_affected"]),
            ("fixed", ["first_fixed", "fixed"]), ("under investigation", ["under_investigation"]),
        ]
        var memberships: [String: String] = [:]
        for (group, lists) in contradicting {
            var members: Set<String> = []
            for list in lists { members.formUnion(status?[list]?.arrayValue?.compactMap(\.stringValue) ?? []) }
            for id in members.sorted() {
                if let other = memberships[id] {
                    fail("6.1.6", path + "/product_status", "product \(id) is both \(other) and \(group)")
                } else {
                    memberships[id] = group
                }
            }
        }
        // 6.1.7 to 6.1.10: scores.
        var scored: Set<String> = []
        for (index, score) in (vulnerability["scores"]?.arrayValue ?? []).enumerated() {
            let at = "\(path)/scores/\(index)"
            let products = score["products"]?.arrayValue?.compactMap(\.stringValue) ?? []
            for key in ["cvss_v2", "cvss_v3"] {
                guard let cvss = score[key], let version = cvss["version"]?.stringValue else { continue }
                for product in products where !scored.insert("\(product)|\(version)").inserted {
                    fail("6.1.7", at, "product \(product) has more than one CVSS v\(version) score")
                }
                CSAFScores.check(cvss, v2: key == "cvss_v2", at: "\(at)/\(key)", fail)
            }
        }
        // 6.1.11: a CWE the catalogue knows, by its name.
        if let cwe = vulnerability["cwe"], let id = cwe["id"]?.stringValue, let names = reference.cweNames {
            if let name = names[id] {
                if cwe["name"]?.stringValue != name {
                    fail("6.1.11", path + "/cwe/name", "\(id) is named \"\(name)\" in the CWE catalogue")
                }
            } else {
                fail("6.1.11", path + "/cwe/id", "\(id) is not in the CWE catalogue")
            }
        }
        // 6.1.24: (party, date) once per involvements list.
        var involvements: Set<String> = []
        for (index, involvement) in (vulnerability["involvements"]?.arrayValue ?? []).enumerated() {
            let date = involvement["date"]?.stringValue.flatMap(IODEFTime.microseconds).map(String.init) ?? "-"
            let key = "\(involvement["party"]?.stringValue ?? "")|\(date)"
            if !involvements.insert(key).inserted {
                fail("6.1.24", "\(path)/involvements/\(index)", "the same party at the same date appears twice")
            }
        }
        // 6.1.29, 6.1.32: remediations and flags name products.
        for (list, test) in [("remediations", "6.1.29"), ("flags", "6.1.32")] {
            for (index, entry) in (vulnerability[list]?.arrayValue ?? []).enumerated()
            where entry["product_ids"] == nil && entry["group_ids"] == nil {
                fail(test, "\(path)/\(list)/\(index)", "needs product_ids or group_ids")
            }
        }
        // 6.1.33: at most one VEX justification flag per product.
        var flagged: [String: Int] = [:]
        for flag in vulnerability["flags"]?.arrayValue ?? [] {
            for product in covered(flag, groups: groups) { flagged[product, default: 0] += 1 }
        }
        for (product, count) in flagged.sorted(by: { $0.key < $1.key }) where count > 1 {
            fail("6.1.33", path + "/flags", "product \(product) has \(count) flags with VEX justification codes")
        }
    }

    static func documentTests(_ csaf: CSAFDocument, reference: CSAFReference, _ fail: Fail) {
        let document = csaf.document
        let tracking = document["tracking"] ?? .null
        // 6.1.12, 6.1.15, 6.1.28: languages.
        for key in ["lang", "source_lang"] {
            guard let tag = document[key]?.stringValue, let subtags = reference.languageSubtags else { continue }
            if let problem = CSAFReference.languageProblem(tag, subtags) { fail("6.1.12", "/document/\(key)", problem) }
        }
        if document["publisher"]?["category"]?.stringValue == "translator", document["source_lang"] == nil {
            fail("6.1.15", "/document/source_lang", "a translator's document gives its source language")
        }
        if let lang = document["lang"]?.stringValue, let source = document["source_lang"]?.stringValue,
            lang.lowercased() == source.lowercased()
        {
            fail("6.1.28", "/document/source_lang", "the source language is the document's language")
        }
        // Versions.
        let history = (tracking["revision_history"]?.arrayValue ?? []).enumerated().map { index, item in
            (
                index: index, date: item["date"]?.stringValue.flatMap(IODEFTime.microseconds) ?? 0,
                number: item["number"]?.stringValue ?? ""
            )
        }
        let version = tracking["version"]?.stringValue ?? ""
        let status = tracking["status"]?.stringValue ?? ""
        let all = [version] + history.map(\.number)
        let integers = all.map(CSAFChecks.isInteger)
        if integers.contains(true) && integers.contains(false) {
            fail("6.1.30", "/document/tracking/version", "integer and semantic versions are mixed")
        }
        // Sorted by date (ties by version), the numbers ascend (6.1.14), the last is the version (6.1.16).
        let sorted = history.sorted {
            ($0.date, 0) < ($1.date, 0) || ($0.date == $1.date && CSAFVersion.less($0.number, $1.number))
        }
        for (earlier, later) in zip(sorted, sorted.dropFirst())
        where earlier.date < later.date && CSAFVersion.less(later.number, earlier.number) {
            fail(
                "6.1.14", "/document/tracking/revision_history/\(later.index)",
                "revision \(later.number) is dated after revision \(earlier.number)")
        }
        if let last = sorted.last {
            var (given, expected) = (CSAFVersion.withoutBuild(version), CSAFVersion.withoutBuild(last.number))
            if status == "draft" {
                (given, expected) = (CSAFVersion.withoutPreRelease(given), CSAFVersion.withoutPreRelease(expected))
            }
            if given != expected {
                fail("6.1.16", "/document/tracking/version", "the latest revision is \(last.number), not \(version)")
            }
        }
        // 6.1.17, 6.1.18, 6.1.19, 6.1.20: draft versions.
        if (CSAFVersion.isZero(version) || CSAFVersion.hasPreRelease(version)) && status != "draft" {
            fail("6.1.17", "/document/tracking/status", "version \(version) is a draft's")
        }
        for item in history {
            if status == "final" || status == "interim", CSAFVersion.isZero(item.number) {
                fail(
                    "6.1.18", "/document/tracking/revision_history/\(item.index)/number",
                    "a released document has no revision \(item.number)")
            }
            if CSAFVersion.hasPreRelease(item.number) {
                fail(
                    "6.1.19", "/document/tracking/revision_history/\(item.index)/number",
                    "a pre-release (\(item.number)) has no revision of its own")
            }
        }
        if status == "final" || status == "interim", CSAFVersion.hasPreRelease(version) {
            fail("6.1.20", "/document/tracking/version", "a \(status) document's version has no pre-release part")
        }
        // 6.1.21: no version skipped (majors for semantic versions); the first is 0 or 1.
        let majors = sorted.compactMap { CSAFVersion.major($0.number) }
        if let first = majors.first {
            if first > 1 {
                fail("6.1.21", "/document/tracking/revision_history", "the first revision is \(sorted[0].number), not 0 or 1")
            }
            let present = Set(majors)
            if let low = majors.min(), let high = majors.max() {
                for missing in low...high where !present.contains(missing) {
                    fail("6.1.21", "/document/tracking/revision_history", "there is no revision \(missing)")
                }
            }
        }
        // 6.1.22: each number once.
        var numbers: Set<String> = []
        for item in history where !numbers.insert(item.number).inserted {
            fail("6.1.22", "/document/tracking/revision_history/\(item.index)", "revision \(item.number) appears twice")
        }
        categoryTest(csaf.category, fail)
    }

    static let profileCategories: Set<String> = [
        "csaf_base", "csaf_security_incident_response", "csaf_informational_advisory", "csaf_security_advisory", "csaf_vex",
    ]

    /// 6.1.26: a base document's category is no other profile's name or value, and does not take the reserved prefix.
    static func categoryTest(_ category: String, _ fail: Fail) {
        guard !profileCategories.contains(category) else { return }
        let normalised = String(
            category.lowercased().unicodeScalars.filter {
                !$0.properties.isWhitespace && $0 != "-" && $0 != "_" && !($0.properties.generalCategory == .dashPunctuation)
            })
        let prohibited: Set<String> = [
            "securityincidentresponse", "csafsecurityincidentresponse", "informationaladvisory", "csafinformationaladvisory",
            "securityadvisory", "csafsecurityadvisory", "vex", "csafvex",
        ]
        if prohibited.contains(normalised) {
            fail("6.1.26", "/document/category", "\"\(category)\" is the name of another profile")
        } else if category.lowercased().hasPrefix("csaf_") {
            fail("6.1.26", "/document/category", "the prefix csaf_ is reserved for the profiles")
        }
    }

    static func productTreeTests(_ csaf: CSAFDocument, _ fail: Fail) {
        for definition in csaf.productDefinitions {
            let helperPath = String(definition.path.dropLast("/product_id".count)) + "/product_identification_helper"
            let helper = definition.name["product_identification_helper"]
            // 6.1.13: package URLs as the purl specification reads them.
            if let purl = helper?["purl"]?.stringValue {
                do { _ = try PackageURL(parsing: purl) } catch {
                    fail("6.1.13", helperPath + "/purl", "not a valid package URL: \(error.message)")
                }
            }
            // 6.1.25: one algorithm once per file.
            for (index, hashes) in (helper?["hashes"]?.arrayValue ?? []).enumerated() {
                var algorithms: Set<String> = []
                for entry in hashes["file_hashes"]?.arrayValue ?? [] {
                    if let algorithm = entry["algorithm"]?.stringValue, !algorithms.insert(algorithm).inserted {
                        fail("6.1.25", "\(helperPath)/hashes/\(index)/file_hashes", "algorithm \(algorithm) is used twice")
                    }
                }
            }
        }
        // 6.1.31: a product version's name is no range.
        func walk(_ branches: [JSONValue], _ path: String) {
            for (index, branch) in branches.enumerated() {
                let at = "\(path)/\(index)"
                if branch["category"]?.stringValue == "product_version", let name = branch["name"]?.stringValue,
                    isVersionRange(name)
                {
                    fail("6.1.31", at + "/name", "\"\(name)\" is a version range; use product_version_range")
                }
                walk(branch["branches"]?.arrayValue ?? [], at + "/branches")
            }
        }
        walk(csaf.json["product_tree"]?["branches"]?.arrayValue ?? [], "/product_tree/branches")
    }

    /// The operators `<` and `>` anywhere, or one of the words after, all, before, earlier, later, prior,
    /// versions.
    static func isVersionRange(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower.contains("<") || lower.contains(">") { return true }
        let words: Set<String> = ["after", "all", "before", "earlier", "later", "prior", "versions"]
        return lower.split(whereSeparator: { $0.isWhitespace }).contains { words.contains(String($0)) }
    }

    /// 6.1.27: the profile tests of the document's category.
    static func profileTests(_ csaf: CSAFDocument, groups: [String: [String]], _ fail: Fail) {
        let category = csaf.category
        let document = csaf.document
        let vulnerabilities = csaf.json["vulnerabilities"]
        if category == "csaf_informational_advisory" || category == "csaf_security_incident_response" {
            let notes = document["notes"]?.arrayValue ?? []
            if !notes.contains(where: {
                ["description", "details", "general", "summary"].contains($0["category"]?.stringValue ?? "")
            }) {
                fail("6.1.27.1", "/document/notes", "needs a note of category description, details, general or summary")
            }
            let references = document["references"]?.arrayValue ?? []
            if !references.contains(where: { ($0["category"]?.stringValue ?? "external") == "external" }) {
                fail("6.1.27.2", "/document/references", "needs a reference of category external")
            }
        }
        if category == "csaf_informational_advisory", vulnerabilities != nil {
            fail("6.1.27.3", "/vulnerabilities", "an informational advisory has no vulnerabilities")
        }
        guard category == "csaf_security_advisory" || category == "csaf_vex" else { return }
        if csaf.json["product_tree"] == nil { fail("6.1.27.4", "/product_tree", "is required by the \(category) profile") }
        if vulnerabilities == nil { fail("6.1.27.11", "/vulnerabilities", "is required by the \(category) profile") }
        for (number, vulnerability) in csaf.vulnerabilities.enumerated() {
            let path = "/vulnerabilities/\(number)"
            if vulnerability["notes"] == nil { fail("6.1.27.5", path + "/notes", "is required by the \(category) profile") }
            if category == "csaf_security_advisory", vulnerability["product_status"] == nil {
                fail("6.1.27.6", path + "/product_status", "is required by the security advisory profile")
            }
            guard category == "csaf_vex" else { continue }
            let status = vulnerability["product_status"]
            if !["fixed", "known_affected", "known_not_affected", "under_investigation"].contains(where: { status?[$0] != nil }) {
                fail(
                    "6.1.27.7", path + "/product_status", "needs fixed, known_affected, known_not_affected or under_investigation"
                )
            }
            if vulnerability["cve"] == nil && vulnerability["ids"] == nil {
                fail("6.1.27.8", path, "needs a cve or ids")
            }
            var impact: Set<String> = []
            for flag in vulnerability["flags"]?.arrayValue ?? [] { impact.formUnion(covered(flag, groups: groups)) }
            for threat in vulnerability["threats"]?.arrayValue ?? [] where threat["category"]?.stringValue == "impact" {
                impact.formUnion(covered(threat, groups: groups))
            }
            for product in status?["known_not_affected"]?.arrayValue?.compactMap(\.stringValue) ?? []
            where !impact.contains(product) {
                fail("6.1.27.9", path + "/product_status/known_not_affected", "product \(product) has no impact statement")
            }
            var action: Set<String> = []
            for remediation in vulnerability["remediations"]?.arrayValue ?? [] {
                action.formUnion(covered(remediation, groups: groups))
            }
            for product in status?["known_affected"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !action.contains(product)
            {
                fail("6.1.27.10", path + "/product_status/known_affected", "product \(product) has no action statement")
            }
        }
    }
}

/// CSAF's `version_t` (§3.1.11): integer or semantic versioning, compared as each defines.
enum CSAFVersion {
    static func withoutBuild(_ version: String) -> String { String(version.prefix { $0 != "+" }) }
    static func withoutPreRelease(_ version: String) -> String {
        CSAFChecks.isInteger(version) ? version : String(withoutBuild(version).prefix { $0 != "-" })
    }
    static func hasPreRelease(_ version: String) -> Bool { !CSAFChecks.isInteger(version) && withoutBuild(version).contains("-") }
    static func isZero(_ version: String) -> Bool {
        CSAFChecks.isInteger(version) ? version == "0" : version.hasPrefix("0.")
    }
    static func major(_ version: String) -> Int? {
        Int(CSAFChecks.isInteger(version) ? version : String(version.prefix { $0 != "." }))
    }
    /// Precedence: integers numerically, semantic versions as SemVer 2.0.0 (build metadata ignored).
    static func less(_ a: String, _ b: String) -> Bool {
        if CSAFChecks.isInteger(a), CSAFChecks.isInteger(b), let x = Int(a), let y = Int(b) { return x < y }
        return VersionOrder.semver.compare(a, b) == .orderedAscending
    }
}
