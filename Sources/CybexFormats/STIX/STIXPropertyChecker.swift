import CybexCore

/// Checks values against ``PropertyKind``s and objects against ``StructureSpec``s, reporting each
/// problem with the dotted path of the property (`extensions.ntfs-ext.alternate_data_streams.[0].name`).
enum PropertyChecker {
    /// `prefix.key`, or `key` at the top level.
    static func join(_ prefix: String, _ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

    static func check(
        _ object: JSONValue, as spec: StructureSpec, at prefix: String, scope: ReferenceScope,
        into v: inout STIXViolations
    ) {
        guard object.objectMembers != nil else {
            v.add(
                prefix.isEmpty ? nil : prefix, "property-type",
                "\(spec.what) must be a JSON object, not \(object.kindName)")
            return
        }
        for property in spec.properties {
            if let value = object[property.name] {
                check(value, as: property.kind, at: join(prefix, property.name), scope: scope, into: &v)
            } else if property.required {
                v.add(join(prefix, property.name), "required-property", "'\(property.name)' is required in \(spec.what)")
            }
        }
        if !spec.atLeastOneOf.isEmpty {
            STIXTypeRules.requireAtLeastOne(of: spec.atLeastOneOf, in: object, what: spec.what, at: prefix, into: &v)
        }
        spec.rules?(object, prefix, &v)
    }

    static func check(
        _ value: JSONValue, as kind: PropertyKind, at path: String, scope: ReferenceScope, into v: inout STIXViolations
    ) {
        switch kind {
        case .string:
            if value.stringValue == nil { typeError(path, "a string", value, into: &v) }
        case .boolean:
            if value.boolValue == nil { typeError(path, "a boolean (true or false)", value, into: &v) }
        case .integer(let range):
            guard let n = integer(value) else {
                typeError(path, "an integer", value, into: &v)
                return
            }
            if !range.contains(n) {
                v.add(
                    path, "value-range", "'\(path)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
        case .float(let range):
            guard case .number = value, let d = value.doubleValue else {
                typeError(path, "a number", value, into: &v)
                return
            }
            if !d.isFinite || !range.contains(d) {
                v.add(path, "value-range", "'\(path)' must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
        case .timestamp, .timestampWholeSeconds:
            guard let text = value.stringValue, let timestamp = STIXTimestamp(parsing: text) else {
                v.add(
                    path, "timestamp-format",
                    "'\(path)' must be an RFC 3339 UTC timestamp such as 2016-01-01T00:00:00.000Z")
                return
            }
            if case .timestampWholeSeconds = kind, timestamp.fractionDigits != 0 {
                v.add(path, "timestamp-precision", "'\(path)' must be precise to the second, without sub-second digits")
            }
        case .binary:
            guard let text = value.stringValue else { return typeError(path, "a base64 string", value, into: &v) }
            if !STIXValueSyntax.isBase64(text) { v.add(path, "binary-format", "'\(path)' must be base64 (RFC 4648)") }
        case .hex:
            guard let text = value.stringValue else { return typeError(path, "a hexadecimal string", value, into: &v) }
            if !STIXValueSyntax.isHex(text) {
                v.add(path, "hex-format", "'\(path)' must be an even number of lower-case hexadecimal digits")
            }
        case .reference(let target):
            checkReference(value, at: path, target: target, scope: scope, into: &v)
        case .list(let element):
            guard let list = value.arrayValue else { return typeError(path, "a list", value, into: &v) }
            for (i, item) in list.enumerated() {
                check(item, as: element, at: "\(path).[\(i)]", scope: scope, into: &v)
            }
        case .enumeration(let allowed):
            guard let text = value.stringValue else { return typeError(path, "a string", value, into: &v) }
            if !allowed.contains(text) {
                v.add(path, "enumeration", "'\(path)' must be one of \(allowed.joined(separator: ", ")), not '\(text)'")
            }
        case .hashes:
            HashRules.check(value, property: path, into: &v)
        case .dictionary(let values):
            DictionaryRules.check(value, at: path, values: values, into: &v)
        case .killChainPhase:
            check(value, as: killChainPhase, at: path, scope: scope, into: &v)
        case .languageTag:
            guard let text = value.stringValue else { return typeError(path, "a string", value, into: &v) }
            if !STIXValueSyntax.isLanguageTag(text) {
                v.add(path, "language-tag", "'\(path)' must be an RFC 5646 language tag, not '\(text)'")
            }
        case .characterSet:
            guard let text = value.stringValue else { return typeError(path, "a string", value, into: &v) }
            if !STIXValueSyntax.isCharacterSetName(text) {
                v.add(path, "character-set", "'\(path)' must be an IANA character set name, not '\(text)'")
            }
        case .structure(let spec):
            check(value, as: spec, at: path, scope: scope, into: &v)
        case .formatted(let syntax):
            guard let text = value.stringValue else { return typeError(path, "a string", value, into: &v) }
            if let problem = syntax(text) { v.add(path, "value-format", "'\(path)' \(problem)") }
        }
    }

    /// The kill-chain-phase type (section 2.11).
    static let killChainPhase = StructureSpec(
        "a kill chain phase",
        [PropertySpec("kill_chain_name", .string, required: true), PropertySpec("phase_name", .string, required: true)])

    static func checkReference(
        _ value: JSONValue, at path: String, target: ReferenceTarget, scope: ReferenceScope,
        into v: inout STIXViolations
    ) {
        guard let text = value.stringValue else { return typeError(path, "an identifier string", value, into: &v) }
        let type: String
        switch scope {
        case .identifiers:
            guard let id = STIXIdentifier(text) else {
                v.add(path, "identifier-format", "'\(path)' must be a STIX identifier ('<type>--<RFC 4122 UUID>')")
                return
            }
            type = id.type
        case .container(let types):
            guard let local = types[text] else {
                v.add(
                    path, "reference-resolution",
                    "'\(path)' refers to '\(text)', which is not a key of the observable container")
                return
            }
            type = local
        }
        if !target.allows(type) {
            v.add(path, "reference-type", "'\(path)' must refer to \(target.description), not to a \(type)")
        }
    }

    static func typeError(_ path: String, _ expected: String, _ value: JSONValue, into v: inout STIXViolations) {
        v.add(path, "property-type", "'\(path)' must be \(expected), not \(value.kindName)")
    }

    /// A JSON number as a STIX integer: a whole value (`7`, also `7.0` or `7e0`) within 54 bits.
    static func integer(_ value: JSONValue) -> Int64? {
        guard case .number(let text) = value else { return nil }
        if let n = Int64(text) { return n }
        guard let d = Double(text), d.isFinite, d.rounded(.towardZero) == d, abs(d) <= 9_007_199_254_740_991 else {
            return nil
        }
        return Int64(d)
    }
}

/// Rules of dictionaries (section 2.3): keys of ASCII letters, digits, `-` and `_`, at most 250 long.
enum DictionaryRules {
    static func check(_ value: JSONValue, at path: String, values: DictionaryValues, into v: inout STIXViolations) {
        guard let members = value.objectMembers else {
            return PropertyChecker.typeError(path, "a dictionary", value, into: &v)
        }
        for (key, item) in members {
            let itemPath = path + "." + key
            if !isKey(key) {
                v.add(
                    itemPath, "dictionary-key",
                    "dictionary keys must be at most 250 characters of a-z, A-Z, 0-9, '-' and '_'")
            }
            switch values {
            case .any:
                break
            case .string:
                if item.stringValue == nil { PropertyChecker.typeError(itemPath, "a string", item, into: &v) }
            case .integer:
                if PropertyChecker.integer(item) == nil {
                    PropertyChecker.typeError(itemPath, "an integer", item, into: &v)
                }
            case .integerOrString:
                if item.stringValue == nil && PropertyChecker.integer(item) == nil {
                    PropertyChecker.typeError(itemPath, "an integer or a string", item, into: &v)
                }
            case .stringList:
                if !(item.arrayValue?.allSatisfy({ $0.stringValue != nil }) ?? false) {
                    PropertyChecker.typeError(itemPath, "a list of strings", item, into: &v)
                }
            }
        }
    }

    static func isKey(_ key: String) -> Bool {
        key.utf8.count <= 250 && key.utf8.allSatisfy { $0.isASCIILetterOrDigit || $0 == 0x2D || $0 == 0x5F }
    }
}

extension UInt8 {
    var isASCIILetterOrDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self)
    }
}
