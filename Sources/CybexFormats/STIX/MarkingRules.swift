import CybexCore

/// Rules of `granular_markings` (STIX 2.1 section 7.2.3).
enum GranularMarkingRules {
    static func check(_ value: JSONValue, in object: JSONValue, into v: inout STIXViolations) {
        guard let list = value.arrayValue else {
            v.add("granular_markings", "property-type", "'granular_markings' must be a list of granular markings")
            return
        }
        for (i, marking) in list.enumerated() {
            let path = "granular_markings.[\(i)]"
            guard marking.objectMembers != nil else {
                v.add(path, "property-type", "each granular marking must be an object")
                continue
            }
            let hasRef = marking["marking_ref"] != nil
            let hasLang = marking["lang"] != nil
            if hasRef == hasLang {
                v.add(path, "granular-marking", "a granular marking needs exactly one of 'marking_ref' or 'lang'")
            }
            if let ref = marking["marking_ref"] {
                STIXValidator.checkReference(ref, property: path + ".marking_ref", allowedTypes: ["marking-definition"], into: &v)
            }
            guard let selectors = marking["selectors"]?.arrayValue, !selectors.isEmpty else {
                v.add(path + ".selectors", "required-property", "'selectors' must be a non-empty list")
                continue
            }
            for (k, selector) in selectors.enumerated() {
                guard let text = selector.stringValue else {
                    v.add("\(path).selectors.[\(k)]", "property-type", "a selector must be a string")
                    continue
                }
                if !resolves(selector: text, in: object) {
                    v.add("\(path).selectors.[\(k)]", "selector-resolution", "selector '\(text)' does not name a property of this object")
                }
            }
        }
    }

    /// Whether a selector such as `kill_chain_phases.[0].phase_name` names a present property.
    static func resolves(selector: String, in object: JSONValue) -> Bool {
        var current = object
        for part in selector.split(separator: ".", omittingEmptySubsequences: false) {
            if part.hasPrefix("[") && part.hasSuffix("]") {
                guard let index = Int(part.dropFirst().dropLast()), index >= 0, let list = current.arrayValue, index < list.count
                else { return false }
                current = list[index]
            } else {
                guard let next = current[String(part)] else { return false }
                current = next
            }
        }
        return true
    }
}

/// Rules of `external_references` (STIX 2.1 section 2.5).
enum ExternalReferenceRules {
    static func check(_ value: JSONValue, into v: inout STIXViolations) {
        guard let list = value.arrayValue else {
            v.add("external_references", "property-type", "'external_references' must be a list of external references")
            return
        }
        for (i, reference) in list.enumerated() {
            let path = "external_references.[\(i)]"
            guard reference.objectMembers != nil else {
                v.add(path, "property-type", "each external reference must be an object")
                continue
            }
            guard let source = reference["source_name"]?.stringValue else {
                v.add(path + ".source_name", "required-property", "'source_name' is required and must be a string")
                continue
            }
            if reference["description"] == nil && reference["url"] == nil && reference["external_id"] == nil {
                v.add(path, "external-reference", "an external reference needs at least one of 'description', 'url', 'external_id'")
            }
            if let externalID = reference["external_id"]?.stringValue {
                if source == "cve" && !matches(externalID, prefix: "CVE-", pattern: { parts in
                    parts.count == 3 && parts[1].count == 4 && parts[2].count >= 4 && (parts[1] + parts[2]).allSatisfy(\.isNumber)
                }) {
                    v.add(path + ".external_id", "cve-id", "a 'cve' external_id must look like CVE-YYYY-NNNN")
                }
                if source == "capec" && !matches(externalID, prefix: "CAPEC-", pattern: { parts in
                    parts.count == 2 && !parts[1].isEmpty && parts[1].allSatisfy(\.isNumber)
                }) {
                    v.add(path + ".external_id", "capec-id", "a 'capec' external_id must look like CAPEC-N")
                }
            }
            if let hashes = reference["hashes"] {
                HashRules.check(hashes, property: path + ".hashes", into: &v)
            }
        }
    }

    static func matches(_ text: String, prefix: String, pattern: ([Substring]) -> Bool) -> Bool {
        text.hasPrefix(prefix) && pattern(text.split(separator: "-", omittingEmptySubsequences: false))
    }
}

/// Rules of `extensions` dictionaries (STIX 2.1 section 7.3).
enum ExtensionRules {
    static let extensionTypes: Set<String> = [
        "new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension",
    ]

    static func check(_ value: JSONValue, into v: inout STIXViolations) {
        guard let members = value.objectMembers, !members.isEmpty else {
            v.add("extensions", "property-type", "'extensions' must be a non-empty dictionary")
            return
        }
        for (key, body) in members {
            let path = "extensions.\(key)"
            guard body.objectMembers != nil else {
                v.add(path, "property-type", "an extension must be an object")
                continue
            }
            if key.hasPrefix("extension-definition--") {
                if STIXIdentifier(key) == nil {
                    v.add(path, "identifier-format", "extension key '\(key)' is not a valid extension-definition id")
                }
                guard let type = body["extension_type"]?.stringValue else {
                    v.add(path + ".extension_type", "required-property", "an extension-definition extension needs 'extension_type'")
                    continue
                }
                if !extensionTypes.contains(type) {
                    v.add(path + ".extension_type", "extension-type", "'\(type)' is not an extension type of STIX 2.1")
                }
            } else if !(key.hasSuffix("-ext") || key.hasPrefix("x-")) {
                v.add(path, "extension-name", "extension keys are extension-definition ids, predefined '-ext' names or custom 'x-' names")
            }
        }
    }
}

/// Rules of `hashes` dictionaries.
enum HashRules {
    static func check(_ value: JSONValue, property: String, into v: inout STIXViolations) {
        guard let members = value.objectMembers, !members.isEmpty else {
            v.add(property, "property-type", "'\(property)' must be a non-empty dictionary of hash values")
            return
        }
        for (key, hash) in members {
            guard key.utf8.count >= 3, key.utf8.count <= 250 else {
                v.add("\(property).\(key)", "hash-name", "hash names must be 3-250 characters")
                continue
            }
            guard let text = hash.stringValue else {
                v.add("\(property).\(key)", "property-type", "hash values must be strings")
                continue
            }
            let expected: Int? = switch key {
            case "MD5": 32
            case "SHA-1": 40
            case "SHA-256", "SHA3-256": 64
            case "SHA-512", "SHA3-512": 128
            default: nil
            }
            if let expected, text.utf8.count != expected || !text.utf8.allSatisfy({ $0.isHexDigit }) {
                v.add("\(property).\(key)", "hash-value", "a \(key) hash must be \(expected) hexadecimal characters")
            }
        }
    }
}

extension UInt8 {
    var isHexDigit: Bool { (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self) }
}
