import CybexCore

/// Rules of `granular_markings` (STIX 2.1 section 7.2.3).
enum GranularMarkingRules {
    static func check(_ value: JSONValue, in object: JSONValue, into v: inout STIXViolations) {
        guard let list = value.arrayValue else {
            v.add("granular_markings", "property-type", "'granular_markings' must be a list of granular markings")
            return
        }
        let ownID = object["type"]?.stringValue == "marking-definition" ? object["id"]?.stringValue : nil
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
                STIXValidator.checkReference(
                    ref, property: path + ".marking_ref", allowedTypes: ["marking-definition"], into: &v)
                if let ownID, ref.stringValue == ownID {
                    v.add(path + ".marking_ref", "circular-marking", "a marking definition must not mark itself")
                }
            }
            if let lang = marking["lang"] {
                PropertyChecker.check(lang, as: .languageTag, at: path + ".lang", scope: .identifiers, into: &v)
            }
            guard let selectorsValue = marking["selectors"] else {
                v.add(path + ".selectors", "required-property", "'selectors' is required")
                continue
            }
            guard let selectors = selectorsValue.arrayValue else {
                v.add(path + ".selectors", "property-type", "'selectors' must be a list of strings")
                continue
            }
            for (k, selector) in selectors.enumerated() {
                guard let text = selector.stringValue else {
                    v.add("\(path).selectors.[\(k)]", "property-type", "a selector must be a string")
                    continue
                }
                if !isWellFormed(selector: text) {
                    v.add(
                        "\(path).selectors.[\(k)]", "selector-syntax",
                        "selector '\(text)' is not of the form 'name', 'name.[0]', 'name.key'")
                } else if !resolves(selector: text, in: object) {
                    v.add(
                        "\(path).selectors.[\(k)]", "selector-resolution",
                        "selector '\(text)' does not name a property of this object")
                }
            }
        }
    }

    /// Components separated by `.`, each a property name or dictionary key, or `[n]`.
    static func isWellFormed(selector: String) -> Bool {
        selector.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            if part.hasPrefix("[") && part.hasSuffix("]") && part.count > 2 {
                return part.dropFirst().dropLast().allSatisfy { $0.isASCII && $0.isNumber }
            }
            return !part.isEmpty && DictionaryRules.isKey(String(part))
        }
    }

    /// Whether a selector such as `kill_chain_phases.[0].phase_name` names a present property.
    static func resolves(selector: String, in object: JSONValue) -> Bool {
        var current = object
        for part in selector.split(separator: ".", omittingEmptySubsequences: false) {
            if part.hasPrefix("[") && part.hasSuffix("]") {
                guard let index = Int(part.dropFirst().dropLast()), index >= 0, let list = current.arrayValue,
                    index < list.count
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
    static let spec = StructureSpec(
        "an external reference",
        [
            PropertySpec("source_name", .string, required: true), PropertySpec("description", .string),
            PropertySpec("url", .string), PropertySpec("hashes", .hashes), PropertySpec("external_id", .string),
        ])

    static func check(_ value: JSONValue, into v: inout STIXViolations) {
        guard let list = value.arrayValue else {
            v.add("external_references", "property-type", "'external_references' must be a list of external references")
            return
        }
        for (i, reference) in list.enumerated() {
            let path = "external_references.[\(i)]"
            PropertyChecker.check(reference, as: spec, at: path, scope: .identifiers, into: &v)
            guard reference.objectMembers != nil, let source = reference["source_name"]?.stringValue else { continue }
            if reference["description"] == nil && reference["url"] == nil && reference["external_id"] == nil {
                v.add(
                    path, "external-reference",
                    "an external reference needs at least one of 'description', 'url', 'external_id'")
            }
            let externalID = reference["external_id"]?.stringValue
            if source == "cve" && !(externalID.map(isCVE) ?? false) {
                v.add(
                    path + ".external_id", "cve-id",
                    "a 'cve' external reference needs an external_id such as CVE-2016-0001")
            }
            if source == "capec" && !(externalID.map(isCAPEC) ?? false) {
                v.add(
                    path + ".external_id", "capec-id",
                    "a 'capec' external reference needs an external_id such as CAPEC-550")
            }
        }
    }

    /// `CVE-YYYY-NNNN`: four digits, or five and more without a leading zero.
    static func isCVE(_ id: String) -> Bool {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "CVE", parts[1].count == 4, isDigits(parts[1]), isDigits(parts[2]) else {
            return false
        }
        return parts[2].count == 4 || (parts[2].count > 4 && parts[2].first != "0")
    }

    static func isCAPEC(_ id: String) -> Bool {
        id.hasPrefix("CAPEC-") && isDigits(id.dropFirst(6))
    }

    static func isDigits(_ s: Substring) -> Bool { !s.isEmpty && s.utf8.allSatisfy { (0x30...0x39).contains($0) } }
}

/// Rules of `extensions` dictionaries (STIX 2.1 sections 3.2, 7.3 and 11.3).
enum ExtensionRules {
    static let extensionTypes = ["new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"]

    static func check(_ value: JSONValue, objectType: String, into v: inout STIXViolations) {
        guard let members = value.objectMembers else {
            v.add("extensions", "property-type", "'extensions' must be a dictionary")
            return
        }
        for (key, body) in members {
            let path = "extensions.\(key)"
            guard let properties = body.objectMembers else {
                v.add(path, "property-type", "an extension must be an object")
                continue
            }
            for (name, _) in properties where !STIXValidator.isValidPropertyName(name) {
                v.add(
                    path + "." + name, "property-name",
                    "extension property names must be 3-250 characters of a-z, 0-9 and '_'")
            }
            if key.hasPrefix("extension-definition--") {
                if let id = STIXIdentifier(key), id.type == "extension-definition" {
                    checkDefinedExtension(body, at: path, objectType: objectType, into: &v)
                } else {
                    v.add(path, "identifier-format", "extension key '\(key)' is not a valid extension-definition id")
                }
            } else if !isCustomExtensionName(key) {
                v.add(
                    path, "extension-name",
                    "extension keys are extension-definition ids or names of 3-250 characters of a-z, 0-9 and '-' "
                        + "ending in '-ext'"
                )
            }
        }
    }

    static func checkDefinedExtension(
        _ body: JSONValue, at path: String, objectType: String, into v: inout STIXViolations
    ) {
        guard let typeValue = body["extension_type"] else {
            v.add(
                path + ".extension_type", "required-property",
                "an extension-definition extension needs 'extension_type'")
            return
        }
        PropertyChecker.check(
            typeValue, as: .enumeration(extensionTypes), at: path + ".extension_type", scope: .identifiers, into: &v)
        if let type = typeValue.stringValue, type.hasPrefix("new-"), STIXObjectKind(type: objectType) != .custom {
            v.add(
                path + ".extension_type", "extension-type",
                "'\(type)' extensions define new object types; '\(objectType)' is defined by the specification")
        }
    }

    /// Predefined and custom extension names: `[a-z0-9-]`, 3–250 characters, ending in `-ext`.
    static func isCustomExtensionName(_ key: String) -> Bool {
        key.hasSuffix("-ext") && (3...250).contains(key.utf8.count)
            && key.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }
}

/// Rules of `hashes` dictionaries (STIX 2.1 sections 2.7 and 10.7).
enum HashRules {
    static func check(_ value: JSONValue, property: String, into v: inout STIXViolations) {
        guard let members = value.objectMembers else {
            v.add(property, "property-type", "'\(property)' must be a dictionary of hash values")
            return
        }
        for (key, hash) in members {
            let path = "\(property).\(key)"
            guard (3...250).contains(key.utf8.count), DictionaryRules.isKey(key) else {
                v.add(path, "hash-name", "hash names must be 3-250 characters of a-z, A-Z, 0-9, '-' and '_'")
                continue
            }
            guard let text = hash.stringValue else {
                v.add(path, "property-type", "hash values must be strings")
                continue
            }
            if let problem = problem(algorithm: key, value: text) {
                v.add(path, "hash-value", "a \(key) hash must be \(problem)")
            }
        }
    }

    /// What is wrong with a hash of a vocabulary algorithm, or nil (custom algorithms are not checked).
    static func problem(algorithm: String, value: String) -> String? {
        let hexLength: Int? =
            switch algorithm {
            case "MD5": 32
            case "SHA-1": 40
            case "SHA-256", "SHA3-256": 64
            case "SHA-512", "SHA3-512": 128
            case "TLSH": 70
            default: nil
            }
        if let hexLength {
            return STIXValueSyntax.isHex(value, count: hexLength) ? nil : "\(hexLength) hexadecimal digits"
        }
        if algorithm == "SSDEEP" {
            let allowed = Set("/+:.".utf8)
            let valid =
                (1...128).contains(value.utf8.count)
                && value.utf8.allSatisfy { $0.isASCIILetterOrDigit || allowed.contains($0) }
            return valid ? nil : "an ssdeep piecewise hash (letters, digits, '/', '+', ':', '.')"
        }
        return nil
    }
}

extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
