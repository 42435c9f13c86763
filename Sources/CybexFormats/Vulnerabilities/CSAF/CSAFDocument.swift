import CybexCore

/// A CSAF 2.0 document (OASIS CSAF 2.0), read and checked as a validator of the "extended" class does: the
/// schema (``CSAFSchema``) and every mandatory test of §6.1 (``CSAFMandatoryTests``). What it defines and
/// refers to is gathered once here (product ids, group ids, the product tree's identification helpers), for
/// the tests and for the mapping to STIX (``CSAFSTIX``).
public struct CSAFDocument: Sendable {
    public let json: JSONValue

    /// The product status lists of a vulnerability, in the schema's order.
    static let productStatusNames = [
        "first_affected", "first_fixed", "fixed", "known_affected", "known_not_affected", "last_affected", "recommended",
        "under_investigation",
    ]

    /// The most bytes, nesting levels and products one document may bring.
    public static let maximumBytes = 16 << 20
    public static let limits = JSONLimits(maxDepth: 64, maxStringBytes: 1 << 20, maxValues: 2_000_000)

    /// Reads and checks `bytes` (6.1.11 and 6.1.12 against `reference`); a document that is not valid is refused
    /// with every problem found.
    public init(bytes: [UInt8], reference: CSAFReference = CSAFReference()) throws(CSAFError) {
        guard bytes.count <= Self.maximumBytes else {
            throw CSAFError([CSAFProblem(test: "size", path: "", message: "more than \(Self.maximumBytes) bytes")])
        }
        let value: JSONValue
        do {
            value = try JSONReader.parse(bytes, limits: Self.limits)
        } catch {
            throw CSAFError([CSAFProblem(test: "json", path: "", message: error.message)])
        }
        try self.init(json: value, reference: reference)
    }

    public init(json: JSONValue, reference: CSAFReference = CSAFReference()) throws(CSAFError) {
        self.json = json
        var found: [(String, String)] = []
        CSAFSchema.csaf.problems(json, at: "", into: &found)
        // A CVSS object that breaks FIRST's schema fails test 6.1.8; anything else breaks CSAF's own schema.
        var problems = found.map { path, message in
            CSAFProblem(test: path.contains("/cvss_v") ? "6.1.8" : "schema", path: path, message: message)
        }
        // The tests read what the schema promised; a document that breaks the schema is not tested further.
        if problems.isEmpty { problems = CSAFMandatoryTests.run(self, reference: reference) }
        guard problems.isEmpty else { throw CSAFError(problems) }
    }

    var document: JSONValue { json["document"] ?? .null }
    var vulnerabilities: [JSONValue] { json["vulnerabilities"]?.arrayValue ?? [] }
    public var trackingID: String { document["tracking"]?["id"]?.stringValue ?? "" }
    public var publisherNamespace: String { document["publisher"]?["namespace"]?.stringValue ?? "" }
    public var category: String { document["category"]?.stringValue ?? "" }
    /// The TLP label of `document/distribution/tlp`, when there is one (AMBER, GREEN, RED, WHITE).
    public var tlpLabel: String? { document["distribution"]?["tlp"]?["label"]?.stringValue }

    /// Whether `text` is an absolute URI (RFC 3986), as the schema's `uri` format is checked.
    public static func isAbsoluteURI(_ text: String) -> Bool { CSAFChecks.isURI(text) }

    /// The file name §5.1 gives the document: `tracking/id` in lower case, each run of characters other than
    /// `+`, `-`, `a-z` and `0-9` one `_`, then `.json`.
    public var fileName: String { Self.fileName(trackingID: trackingID) }

    public static func fileName(trackingID: String) -> String {
        var name = ""
        var replacing = false
        for character in trackingID.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber || character == "+" || character == "-") {
                name.append(character)
                replacing = false
            } else if !replacing {
                name.append("_")
                replacing = true
            }
        }
        return name + ".json"
    }

    // MARK: The product tree

    /// A place a product id is defined: its JSON pointer and its full product name.
    struct Definition {
        var path: String
        var productID: String
        var name: JSONValue
    }

    /// Every product id definition, in document order: full product names, branch products (depth first),
    /// relationships' full product names.
    var productDefinitions: [Definition] {
        var found: [Definition] = []
        let tree = json["product_tree"]
        for (index, name) in (tree?["full_product_names"]?.arrayValue ?? []).enumerated() {
            if let id = name["product_id"]?.stringValue {
                found.append(Definition(path: "/product_tree/full_product_names/\(index)/product_id", productID: id, name: name))
            }
        }
        func walk(_ branches: [JSONValue], _ path: String) {
            for (index, branch) in branches.enumerated() {
                let at = "\(path)/\(index)"
                if let product = branch["product"], let id = product["product_id"]?.stringValue {
                    found.append(Definition(path: "\(at)/product/product_id", productID: id, name: product))
                }
                walk(branch["branches"]?.arrayValue ?? [], at + "/branches")
            }
        }
        walk(tree?["branches"]?.arrayValue ?? [], "/product_tree/branches")
        for (index, relationship) in (tree?["relationships"]?.arrayValue ?? []).enumerated() {
            if let name = relationship["full_product_name"], let id = name["product_id"]?.stringValue {
                found.append(
                    Definition(
                        path: "/product_tree/relationships/\(index)/full_product_name/product_id", productID: id, name: name))
            }
        }
        return found
    }

    /// Every place a product id is referred to, as (JSON pointer, id), in document order.
    var productReferences: [(String, String)] {
        var found: [(String, String)] = []
        let tree = json["product_tree"]
        for (index, group) in (tree?["product_groups"]?.arrayValue ?? []).enumerated() {
            for (item, id) in (group["product_ids"]?.arrayValue ?? []).enumerated() {
                if let id = id.stringValue { found.append(("/product_tree/product_groups/\(index)/product_ids/\(item)", id)) }
            }
        }
        for (index, relationship) in (tree?["relationships"]?.arrayValue ?? []).enumerated() {
            for key in ["product_reference", "relates_to_product_reference"] {
                if let id = relationship[key]?.stringValue { found.append(("/product_tree/relationships/\(index)/\(key)", id)) }
            }
        }
        for (number, vulnerability) in vulnerabilities.enumerated() {
            let at = "/vulnerabilities/\(number)"
            for status in Self.productStatusNames {
                for (item, id) in (vulnerability["product_status"]?[status]?.arrayValue ?? []).enumerated() {
                    if let id = id.stringValue { found.append(("\(at)/product_status/\(status)/\(item)", id)) }
                }
            }
            for list in ["flags", "remediations", "threats"] {
                for (index, entry) in (vulnerability[list]?.arrayValue ?? []).enumerated() {
                    for (item, id) in (entry["product_ids"]?.arrayValue ?? []).enumerated() {
                        if let id = id.stringValue { found.append(("\(at)/\(list)/\(index)/product_ids/\(item)", id)) }
                    }
                }
            }
            for (index, score) in (vulnerability["scores"]?.arrayValue ?? []).enumerated() {
                for (item, id) in (score["products"]?.arrayValue ?? []).enumerated() {
                    if let id = id.stringValue { found.append(("\(at)/scores/\(index)/products/\(item)", id)) }
                }
            }
        }
        return found
    }

    /// Every product group id definition, as (JSON pointer, id).
    var groupDefinitions: [(String, String)] {
        (json["product_tree"]?["product_groups"]?.arrayValue ?? []).enumerated().compactMap { index, group in
            group["group_id"]?.stringValue.map { ("/product_tree/product_groups/\(index)/group_id", $0) }
        }
    }

    /// Every place a product group id is referred to, as (JSON pointer, id).
    var groupReferences: [(String, String)] {
        var found: [(String, String)] = []
        for (number, vulnerability) in vulnerabilities.enumerated() {
            for list in ["flags", "remediations", "threats"] {
                for (index, entry) in (vulnerability[list]?.arrayValue ?? []).enumerated() {
                    for (item, id) in (entry["group_ids"]?.arrayValue ?? []).enumerated() {
                        if let id = id.stringValue {
                            found.append(("/vulnerabilities/\(number)/\(list)/\(index)/group_ids/\(item)", id))
                        }
                    }
                }
            }
        }
        return found
    }

    /// The product ids of each group.
    var groups: [String: [String]] {
        var groups: [String: [String]] = [:]
        for group in json["product_tree"]?["product_groups"]?.arrayValue ?? [] {
            if let id = group["group_id"]?.stringValue {
                groups[id] = group["product_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
            }
        }
        return groups
    }
}

/// One problem of a CSAF document: the test that found it (`schema`, `6.1.1` …), the JSON pointer, and what
/// is wrong.
public struct CSAFProblem: Sendable, Hashable, CustomStringConvertible {
    public let test: String
    public let path: String
    public let message: String

    public var description: String { "\(test) \(path.isEmpty ? "/" : path): \(message)" }
}

/// Why a CSAF document was refused: every problem found (the schema's first, then the mandatory tests').
public struct CSAFError: Error, Sendable, CustomStringConvertible {
    public let problems: [CSAFProblem]

    init(_ problems: [CSAFProblem]) { self.problems = problems }

    public var description: String {
        let shown = problems.prefix(20).map(\.description).joined(separator: "; ")
        return problems.count > 20 ? "\(shown); and \(problems.count - 20) more" : shown
    }
}
