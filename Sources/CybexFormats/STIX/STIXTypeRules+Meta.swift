import CybexCore

/// STIX Meta Objects (section 7): language-content, marking-definition (with the TLP 1.0 instances of
/// section 7.2.1.4 and the TLP 2.0 marking definitions of the OASIS common-objects extension) and
/// extension-definition.
extension STIXTypeRules {
    static let metaSpecs: [String: StructureSpec] = [
        "language-content": StructureSpec(
            "a language-content",
            [
                PropertySpec("object_ref", .reference(.notBundle), required: true),
                PropertySpec("object_modified", .timestamp),
                PropertySpec("contents", .dictionary(.any), required: true),
            ], rules: languageContentRules),
        "marking-definition": StructureSpec(
            "a marking-definition",
            [PropertySpec("name", .string), PropertySpec("definition_type", .string)],
            rules: { object, _, v in MarkingDefinitionRules.check(object, into: &v) }),
        "extension-definition": StructureSpec(
            "an extension-definition",
            [
                PropertySpec("name", .string, required: true), PropertySpec("description", .string),
                PropertySpec("schema", .string, required: true), PropertySpec("version", .string, required: true),
                PropertySpec("extension_types", .list(.enumeration(ExtensionRules.extensionTypes)), required: true),
                PropertySpec("extension_properties", .stringList),
            ],
            rules: { object, _, v in
                if object["created_by_ref"] == nil {
                    v.add(
                        "created_by_ref", "required-property",
                        "'created_by_ref' is required for extension-definition objects")
                }
                let types = object["extension_types"]?.arrayValue?.compactMap(\.stringValue) ?? []
                if object["extension_properties"] != nil && !types.contains("toplevel-property-extension") {
                    v.add(
                        "extension_properties", "dependent-property",
                        "'extension_properties' is only used when 'extension_types' includes "
                            + "toplevel-property-extension"
                    )
                }
            }),
    ]

    /// `contents` maps RFC 5646 language tags to dictionaries of translated properties.
    @Sendable static func languageContentRules(_ object: JSONValue, _ prefix: String, _ v: inout STIXViolations) {
        guard let languages = object["contents"]?.objectMembers else { return }
        for (language, translations) in languages {
            let path = "contents." + language
            if !STIXValueSyntax.isLanguageTag(language) {
                v.add(path, "language-tag", "the keys of 'contents' must be RFC 5646 language tags, not '\(language)'")
            }
            guard let properties = translations.objectMembers else {
                PropertyChecker.typeError(path, "a dictionary of translated properties", translations, into: &v)
                continue
            }
            for (name, _) in properties where !STIXValidator.isValidPropertyName(name) {
                v.add(path + "." + name, "property-name", "'\(name)' is not a valid property name")
            }
        }
    }
}

/// The marking-definition rules of section 7.2.1.
enum MarkingDefinitionRules {
    static let tlp1Created = "2017-01-20T00:00:00.000Z"
    /// TLP 1.0 level → marking-definition id (section 7.2.1.4).
    static let tlp1IDs: [String: String] = [
        "white": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        "green": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "amber": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        "red": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
    ]
    static let tlp2Extension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
    /// TLP 2.0 level → marking-definition id (OASIS cti-stix-common-objects, tlp-2.0).
    static let tlp2IDs: [String: String] = [
        "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    ]

    static func check(_ object: JSONValue, into v: inout STIXViolations) {
        let id = object["id"]?.stringValue
        let definitionType = object["definition_type"]?.stringValue
        let definition = object["definition"]
        if object["extensions"] == nil {
            if object["definition_type"] == nil {
                v.add(
                    "definition_type", "required-property", "'definition_type' is required when 'extensions' is absent")
            }
            if definition == nil {
                v.add("definition", "required-property", "'definition' is required when 'extensions' is absent")
            }
        }
        if let definition, definition.objectMembers == nil {
            PropertyChecker.typeError("definition", "a marking object", definition, into: &v)
        }
        switch definitionType {
        case "statement":
            if let definition, definition.objectMembers != nil {
                if let statement = definition["statement"] {
                    PropertyChecker.check(
                        statement, as: .string, at: "definition.statement", scope: .identifiers, into: &v)
                } else {
                    v.add(
                        "definition.statement", "required-property", "a statement marking needs 'definition.statement'")
                }
            }
        case "tlp":
            checkTLP1(object, into: &v)
        default:
            break
        }
        if let id, tlp1IDs.values.contains(id), definitionType != "tlp" {
            v.add(
                "definition_type", "tlp-marking",
                "\(id) is a TLP 1.0 marking definition; its 'definition_type' must be tlp")
        }
        checkTLP2(object, id: id, into: &v)
        if let id, let refs = object["object_marking_refs"]?.arrayValue, refs.contains(.string(id)) {
            v.add("object_marking_refs", "circular-marking", "a marking definition must not mark itself")
        }
    }

    /// Section 7.2.1.4: the four TLP 1.0 marking definitions are the only TLP instances allowed.
    static func checkTLP1(_ object: JSONValue, into v: inout STIXViolations) {
        guard let level = object["definition"]?["tlp"]?.stringValue, let expectedID = tlp1IDs[level] else {
            v.add(
                "definition.tlp", "tlp-marking",
                "a TLP 1.0 marking needs 'definition.tlp' of white, green, amber or red")
            return
        }
        if object["id"]?.stringValue != expectedID {
            v.add(
                "id", "tlp-marking", "the TLP:\(level.uppercased()) marking definition must have the id \(expectedID)")
        }
        if object["name"]?.stringValue != "TLP:" + level.uppercased() {
            v.add(
                "name", "tlp-marking",
                "the TLP:\(level.uppercased()) marking definition must be named TLP:\(level.uppercased())")
        }
        let created = object["created"]?.stringValue.flatMap(STIXTimestamp.init(parsing:))
        if created != STIXTimestamp(parsing: tlp1Created) {
            v.add("created", "tlp-marking", "TLP 1.0 marking definitions were created \(tlp1Created)")
        }
        let allowed: Set<String> = ["type", "spec_version", "id", "created", "definition_type", "name", "definition"]
        for (key, _) in object.objectMembers ?? [] where !allowed.contains(key) {
            v.add(
                key, "tlp-marking",
                "the TLP 1.0 marking definitions have no '\(key)'; other TLP instances must not be created")
        }
        if let members = object["definition"]?.objectMembers, members.count != 1 {
            v.add("definition", "tlp-marking", "a TLP 1.0 definition holds only 'tlp'")
        }
    }

    /// TLP 2.0: the five marking definitions carry the tlp-2.0 property extension with their level.
    static func checkTLP2(_ object: JSONValue, id: String?, into v: inout STIXViolations) {
        let body = object["extensions"]?[tlp2Extension]
        let idLevel = id.flatMap { id in tlp2IDs.first(where: { $0.value == id })?.key }
        guard body != nil || idLevel != nil else { return }
        let path = "extensions." + tlp2Extension
        guard let body, body.objectMembers != nil else {
            v.add(
                path, "tlp-marking",
                "\(id ?? "this marking") is a TLP 2.0 marking definition and needs the tlp-2.0 extension")
            return
        }
        if let type = body["extension_type"]?.stringValue, type != "property-extension" {
            v.add(path + ".extension_type", "tlp-marking", "the tlp-2.0 extension is a property-extension")
        }
        guard let level = body["tlp_2_0"]?.stringValue, let expectedID = tlp2IDs[level] else {
            v.add(path + ".tlp_2_0", "tlp-marking", "'tlp_2_0' must be one of clear, green, amber, amber+strict, red")
            return
        }
        if id != expectedID {
            v.add(
                "id", "tlp-marking", "the TLP:\(level.uppercased()) marking definition must have the id \(expectedID)")
        }
        if let name = object["name"]?.stringValue, name != "TLP:" + level.uppercased() {
            v.add(
                "name", "tlp-marking",
                "the TLP:\(level.uppercased()) marking definition must be named TLP:\(level.uppercased())")
        }
    }
}
