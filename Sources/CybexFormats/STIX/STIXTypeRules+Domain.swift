import CybexCore

/// STIX Domain Objects (section 4) and STIX Relationship Objects (section 5).
///
/// Open vocabularies (`*_types`, `roles`, `sectors`, `pattern_type`, ...) are plain strings: values
/// outside the suggested vocabulary are allowed (a SHOULD), so they are not rejected.
extension STIXTypeRules {
    static let domainSpecs: [String: StructureSpec] = [
        "attack-pattern": StructureSpec(
            "an attack-pattern",
            [
                PropertySpec("name", .string, required: true), PropertySpec("description", .string),
                PropertySpec("aliases", .stringList), killChainPhases,
            ]),
        "campaign": StructureSpec(
            "a campaign",
            [
                PropertySpec("name", .string, required: true), PropertySpec("description", .string),
                PropertySpec("aliases", .stringList), PropertySpec("first_seen", .timestamp),
                PropertySpec("last_seen", .timestamp), PropertySpec("objective", .string),
            ], rules: firstSeenLastSeen),
        "course-of-action": StructureSpec(
            "a course-of-action",
            [PropertySpec("name", .string, required: true), PropertySpec("description", .string)]),
        "grouping": StructureSpec(
            "a grouping",
            [
                PropertySpec("name", .string), PropertySpec("description", .string),
                PropertySpec("context", .string, required: true), objectRefs,
            ]),
        "identity": StructureSpec(
            "an identity",
            [
                PropertySpec("name", .string, required: true), PropertySpec("description", .string),
                PropertySpec("roles", .stringList), PropertySpec("identity_class", .string),
                PropertySpec("sectors", .stringList), PropertySpec("contact_information", .string),
            ]),
        "incident": StructureSpec(
            "an incident", [PropertySpec("name", .string, required: true), PropertySpec("description", .string)]),
        "indicator": StructureSpec(
            "an indicator",
            [
                PropertySpec("name", .string), PropertySpec("description", .string),
                PropertySpec("indicator_types", .stringList), PropertySpec("pattern", .string, required: true),
                PropertySpec("pattern_type", .string, required: true), PropertySpec("pattern_version", .string),
                PropertySpec("valid_from", .timestamp, required: true), PropertySpec("valid_until", .timestamp),
                killChainPhases,
            ], rules: indicatorRules),
        "infrastructure": StructureSpec(
            "an infrastructure",
            [
                PropertySpec("name", .string, required: true), PropertySpec("description", .string),
                PropertySpec("infrastructure_types", .stringList), PropertySpec("aliases", .stringList),
                killChainPhases, PropertySpec("first_seen", .timestamp), PropertySpec("last_seen", .timestamp),
            ], rules: firstSeenLastSeen),
        "intrusion-set": StructureSpec(
            "an intrusion-set",
            [
                PropertySpec("name", .string, required: true), PropertySpec("description", .string),
                PropertySpec("aliases", .stringList), PropertySpec("first_seen", .timestamp),
                PropertySpec("last_seen", .timestamp), PropertySpec("goals", .stringList),
                PropertySpec("resource_level", .string), PropertySpec("primary_motivation", .string),
                PropertySpec("secondary_motivations", .stringList),
            ], rules: firstSeenLastSeen),
        "location": StructureSpec(
            "a location",
            [
                PropertySpec("name", .string), PropertySpec("description", .string),
                PropertySpec("latitude", .float(-90...90)), PropertySpec("longitude", .float(-180...180)),
                PropertySpec("precision", .anyFloat), PropertySpec("region", .string), PropertySpec("country", .string),
                PropertySpec("administrative_area", .string), PropertySpec("city", .string),
                PropertySpec("street_address", .string), PropertySpec("postal_code", .string),
            ], rules: locationRules),
        // `is_family` is required by the STIX 2.1 JSON schema and the reference library; the property
        // table of the specification's Markdown edition prints it as optional.
        "malware": StructureSpec(
            "a malware",
            [
                PropertySpec("name", .string), PropertySpec("description", .string),
                PropertySpec("malware_types", .stringList), PropertySpec("is_family", .boolean, required: true),
                PropertySpec("aliases", .stringList), killChainPhases, PropertySpec("first_seen", .timestamp),
                PropertySpec("last_seen", .timestamp),
                PropertySpec("operating_system_refs", .list(.reference(.types(["software"])))),
                PropertySpec("architecture_execution_envs", .stringList),
                PropertySpec("implementation_languages", .stringList), PropertySpec("capabilities", .stringList),
                PropertySpec("sample_refs", .list(.reference(.types(["file", "artifact"])))),
            ],
            rules: { object, prefix, v in
                firstSeenLastSeen(object, prefix, &v)
                if object["is_family"]?.boolValue == true, object["name"] == nil {
                    v.add("name", "required-property", "'name' is required when 'is_family' is true")
                }
            }),
        "malware-analysis": StructureSpec(
            "a malware-analysis",
            [
                PropertySpec("product", .string, required: true), PropertySpec("version", .string),
                PropertySpec("host_vm_ref", .reference(.types(["software"]))),
                PropertySpec("operating_system_ref", .reference(.types(["software"]))),
                PropertySpec("installed_software_refs", .list(.reference(.types(["software"])))),
                PropertySpec("configuration_version", .string), PropertySpec("modules", .stringList),
                PropertySpec("analysis_engine_version", .string), PropertySpec("analysis_definition_version", .string),
                PropertySpec("submitted", .timestamp), PropertySpec("analysis_started", .timestamp),
                PropertySpec("analysis_ended", .timestamp), PropertySpec("result_name", .string),
                PropertySpec("result", .string), PropertySpec("analysis_sco_refs", .list(.reference(.observable))),
                PropertySpec("sample_ref", .reference(.types(["file", "network-traffic", "artifact"]))),
            ],
            rules: { object, _, v in
                if object["result"] == nil && object["analysis_sco_refs"] == nil {
                    v.add("result", "required-property", "a malware-analysis needs 'result' or 'analysis_sco_refs'")
                }
            }),
        "note": StructureSpec(
            "a note",
            [
                PropertySpec("abstract", .string), PropertySpec("content", .string, required: true),
                PropertySpec("authors", .stringList), objectRefs,
            ]),
        "observed-data": StructureSpec(
            "an observed-data",
            [
                PropertySpec("first_observed", .timestamp, required: true),
                PropertySpec("last_observed", .timestamp, required: true),
                PropertySpec("number_observed", .integer(1...999_999_999), required: true),
                PropertySpec("object_refs", .list(.reference(.observableOrRelationship))),
            ], rules: observedDataRules),
        "opinion": StructureSpec(
            "an opinion",
            [
                PropertySpec("explanation", .string), PropertySpec("authors", .stringList),
                PropertySpec(
                    "opinion", .enumeration(["strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"]),
                    required: true),
                objectRefs,
            ]),
        "report": StructureSpec(
            "a report",
            [
                PropertySpec("name", .string, required: true), PropertySpec("description", .string),
                PropertySpec("report_types", .stringList), PropertySpec("published", .timestamp, required: true),
                objectRefs,
            ]),
        "threat-actor": StructureSpec(
            "a threat-actor",
            [
                PropertySpec("name", .string, required: true), PropertySpec("description", .string),
                PropertySpec("threat_actor_types", .stringList), PropertySpec("aliases", .stringList),
                PropertySpec("first_seen", .timestamp), PropertySpec("last_seen", .timestamp),
                PropertySpec("roles", .stringList), PropertySpec("goals", .stringList),
                PropertySpec("sophistication", .string), PropertySpec("resource_level", .string),
                PropertySpec("primary_motivation", .string), PropertySpec("secondary_motivations", .stringList),
                PropertySpec("personal_motivations", .stringList),
            ], rules: firstSeenLastSeen),
        "tool": StructureSpec(
            "a tool",
            [
                PropertySpec("name", .string, required: true), PropertySpec("description", .string),
                PropertySpec("tool_types", .stringList), PropertySpec("aliases", .stringList), killChainPhases,
                PropertySpec("tool_version", .string),
            ]),
        "vulnerability": StructureSpec(
            "a vulnerability", [PropertySpec("name", .string, required: true), PropertySpec("description", .string)]),
        "relationship": StructureSpec(
            "a relationship",
            [
                PropertySpec("relationship_type", .formatted(relationshipTypeSyntax), required: true),
                PropertySpec("description", .string),
                PropertySpec("source_ref", .reference(.domainOrObservable), required: true),
                PropertySpec("target_ref", .reference(.domainOrObservable), required: true),
                PropertySpec("start_time", .timestamp), PropertySpec("stop_time", .timestamp),
            ],
            rules: { object, prefix, v in
                orderedTimestamps(object, "start_time", "stop_time", strictly: true, at: prefix, into: &v)
            }),
        "sighting": StructureSpec(
            "a sighting",
            [
                PropertySpec("description", .string), PropertySpec("first_seen", .timestamp),
                PropertySpec("last_seen", .timestamp), PropertySpec("count", .integer(0...999_999_999)),
                PropertySpec("sighting_of_ref", .reference(.domainObject), required: true),
                PropertySpec("observed_data_refs", .list(.reference(.types(["observed-data"])))),
                PropertySpec("where_sighted_refs", .list(.reference(.types(["identity", "location"])))),
                PropertySpec("summary", .boolean),
            ], rules: firstSeenLastSeen),
    ]

    static let killChainPhases = PropertySpec("kill_chain_phases", .list(.killChainPhase))
    static let objectRefs = PropertySpec("object_refs", .list(.reference(.any)), required: true)

    @Sendable static func firstSeenLastSeen(_ object: JSONValue, _ prefix: String, _ v: inout STIXViolations) {
        orderedTimestamps(object, "first_seen", "last_seen", strictly: false, at: prefix, into: &v)
    }

    @Sendable static func relationshipTypeSyntax(_ text: String) -> String? {
        let valid =
            !text.isEmpty
            && text.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
        return valid ? nil : "must contain only a-z, 0-9 and '-'"
    }

    @Sendable static func indicatorRules(_ object: JSONValue, _ prefix: String, _ v: inout STIXViolations) {
        orderedTimestamps(object, "valid_from", "valid_until", strictly: true, at: prefix, into: &v)
        // `pattern_type` is an open vocabulary: only STIX patterns are checked, other languages pass.
        if object["pattern_type"]?.stringValue == "stix", let pattern = object["pattern"]?.stringValue,
            let problem = STIXPatternSyntax.problem(in: pattern)
        {
            v.add("pattern", "pattern-syntax", "'pattern' is not a valid STIX pattern: \(problem)")
        }
    }

    @Sendable static func locationRules(_ object: JSONValue, _ prefix: String, _ v: inout STIXViolations) {
        let hasLatitude = object["latitude"] != nil
        let hasLongitude = object["longitude"] != nil
        if object["region"] == nil && object["country"] == nil && !(hasLatitude && hasLongitude) {
            v.add("region", "location", "a location needs 'region', 'country', or both 'latitude' and 'longitude'")
        }
        if hasLatitude != hasLongitude {
            v.add(
                hasLatitude ? "longitude" : "latitude", "dependent-property", "'latitude' and 'longitude' go together")
        }
        if object["precision"] != nil && !(hasLatitude && hasLongitude) {
            v.add("precision", "dependent-property", "'precision' needs both 'latitude' and 'longitude'")
        }
    }

    @Sendable static func observedDataRules(_ object: JSONValue, _ prefix: String, _ v: inout STIXViolations) {
        orderedTimestamps(object, "first_observed", "last_observed", strictly: false, at: prefix, into: &v)
        switch (object["objects"], object["object_refs"]) {
        case (nil, nil):
            v.add(
                "object_refs", "required-property", "an observed-data needs 'object_refs' (or the deprecated 'objects')"
            )
        case (_?, _?):
            v.add("objects", "mutually-exclusive", "an observed-data has 'object_refs' or 'objects', not both")
        case (let container?, nil):
            checkObservableContainer(container, into: &v)
        case (nil, let refs?):
            let types = refs.arrayValue?.compactMap { $0.stringValue.flatMap(STIXIdentifier.init)?.type } ?? []
            if !types.isEmpty, !types.contains(where: { ReferenceTarget.observable.allows($0) }) {
                v.add("object_refs", "reference-type", "'object_refs' must contain at least one SCO reference")
            }
        }
    }

    /// The deprecated observable container (section 2.13): a dictionary of SCOs whose references are
    /// the container's own keys. Each SCO of a specification-defined type is checked against its table.
    static func checkObservableContainer(_ container: JSONValue, into v: inout STIXViolations) {
        guard let members = container.objectMembers else {
            return PropertyChecker.typeError("objects", "a dictionary of cyber-observable objects", container, into: &v)
        }
        var types: [String: String] = [:]
        for (key, object) in members {
            if let type = object["type"]?.stringValue { types[key] = type }
        }
        for (key, object) in members {
            let prefix = "objects." + key
            guard object.objectMembers != nil, let type = object["type"]?.stringValue else {
                v.add(prefix + ".type", "required-property", "each object of the container needs a string 'type'")
                continue
            }
            guard STIXIdentifier.isValidTypeName(type.utf8) else {
                v.add(prefix + ".type", "type-name", "'\(type)' is not a valid STIX type name")
                continue
            }
            guard STIXObjectKind.observableTypes.contains(type), let spec = specs[type] else { continue }
            PropertyChecker.check(object, as: spec, at: prefix, scope: .container(types), into: &v)
            checkPredefinedExtensions(type: type, object: object, at: prefix, scope: .container(types), into: &v)
        }
    }
}
