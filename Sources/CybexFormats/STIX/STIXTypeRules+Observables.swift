import CybexCore

/// STIX Cyber-observable Objects (section 6) and their predefined extensions.
extension STIXTypeRules {
    static let observableSpecs: [String: StructureSpec] = [
        "artifact": StructureSpec(
            "an artifact",
            [
                PropertySpec("mime_type", .string), PropertySpec("payload_bin", .binary),
                PropertySpec("url", .formatted(urlSyntax)), PropertySpec("hashes", .hashes),
                PropertySpec(
                    "encryption_algorithm", .enumeration(["AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"])),
                PropertySpec("decryption_key", .string),
            ], rules: artifactRules),
        "autonomous-system": StructureSpec(
            "an autonomous-system",
            [
                PropertySpec("number", .anyInteger, required: true), PropertySpec("name", .string),
                PropertySpec("rir", .string),
            ]),
        "directory": StructureSpec(
            "a directory",
            [
                PropertySpec("path", .string, required: true), PropertySpec("path_enc", .characterSet),
                PropertySpec("ctime", .timestamp), PropertySpec("mtime", .timestamp), PropertySpec("atime", .timestamp),
                PropertySpec("contains_refs", .list(.reference(.types(["file", "directory"])))),
            ], rules: { object, prefix, v in encodingNeedsProperty("path", object, prefix, &v) }),
        "domain-name": StructureSpec(
            "a domain-name",
            [
                PropertySpec("value", .formatted(domainSyntax), required: true),
                PropertySpec("resolves_to_refs", .list(.reference(.types(["ipv4-addr", "ipv6-addr", "domain-name"])))),
            ]),
        "email-addr": StructureSpec(
            "an email-addr",
            [
                PropertySpec("value", .formatted(emailSyntax), required: true), PropertySpec("display_name", .string),
                PropertySpec("belongs_to_ref", .reference(.types(["user-account"]))),
            ]),
        "email-message": StructureSpec(
            "an email-message",
            [
                PropertySpec("is_multipart", .boolean, required: true), PropertySpec("date", .timestamp),
                PropertySpec("content_type", .string), PropertySpec("from_ref", emailAddress),
                PropertySpec("sender_ref", emailAddress), PropertySpec("to_refs", .list(emailAddress)),
                PropertySpec("cc_refs", .list(emailAddress)), PropertySpec("bcc_refs", .list(emailAddress)),
                PropertySpec("message_id", .string), PropertySpec("subject", .string),
                PropertySpec("received_lines", .stringList),
                PropertySpec("additional_header_fields", .dictionary(.stringList)), PropertySpec("body", .string),
                PropertySpec("body_multipart", .list(.structure(mimePart))),
                PropertySpec("raw_email_ref", .reference(.types(["artifact"]))),
            ], rules: emailMessageRules),
        "file": StructureSpec(
            "a file",
            [
                PropertySpec("hashes", .hashes), PropertySpec("size", .nonNegativeInteger),
                PropertySpec("name", .string),
                PropertySpec("name_enc", .characterSet), PropertySpec("magic_number_hex", .hex),
                PropertySpec("mime_type", .string), PropertySpec("ctime", .timestamp),
                PropertySpec("mtime", .timestamp),
                PropertySpec("atime", .timestamp),
                PropertySpec("parent_directory_ref", .reference(.types(["directory"]))),
                PropertySpec("contains_refs", .list(.reference(.observable))),
                PropertySpec("content_ref", .reference(.types(["artifact"]))),
            ],
            rules: { object, prefix, v in
                if object["hashes"] == nil && object["name"] == nil {
                    v.add(
                        PropertyChecker.join(prefix, "hashes"), "required-property", "a file needs 'hashes' or 'name'")
                }
                encodingNeedsProperty("name", object, prefix, &v)
            }),
        "ipv4-addr": StructureSpec(
            "an ipv4-addr",
            [
                PropertySpec(
                    "value", .formatted({ STIXValueSyntax.isIPv4($0) ? nil : "must be an IPv4 address or CIDR block" }),
                    required: true),
                PropertySpec("resolves_to_refs", .list(.reference(.types(["mac-addr"])))),
                PropertySpec("belongs_to_refs", .list(.reference(.types(["autonomous-system"])))),
            ]),
        "ipv6-addr": StructureSpec(
            "an ipv6-addr",
            [
                PropertySpec(
                    "value", .formatted({ STIXValueSyntax.isIPv6($0) ? nil : "must be an IPv6 address or CIDR block" }),
                    required: true),
                PropertySpec("resolves_to_refs", .list(.reference(.types(["mac-addr"])))),
                PropertySpec("belongs_to_refs", .list(.reference(.types(["autonomous-system"])))),
            ]),
        "mac-addr": StructureSpec(
            "a mac-addr",
            [
                PropertySpec(
                    "value",
                    .formatted({
                        STIXValueSyntax.isMAC($0) ? nil : "must be a lower-case, colon-separated MAC-48 address"
                    }), required: true)
            ]),
        "mutex": StructureSpec("a mutex", [PropertySpec("name", .string, required: true)]),
        "network-traffic": StructureSpec(
            "a network-traffic",
            [
                PropertySpec("start", .timestamp), PropertySpec("end", .timestamp), PropertySpec("is_active", .boolean),
                PropertySpec("src_ref", endpoint), PropertySpec("dst_ref", endpoint),
                PropertySpec("src_port", .integer(0...65535)), PropertySpec("dst_port", .integer(0...65535)),
                PropertySpec("protocols", .stringList, required: true), PropertySpec("src_byte_count", .anyInteger),
                PropertySpec("dst_byte_count", .anyInteger), PropertySpec("src_packets", .anyInteger),
                PropertySpec("dst_packets", .anyInteger), PropertySpec("ipfix", .dictionary(.integerOrString)),
                PropertySpec("src_payload_ref", .reference(.types(["artifact"]))),
                PropertySpec("dst_payload_ref", .reference(.types(["artifact"]))),
                PropertySpec("encapsulates_refs", .list(.reference(.types(["network-traffic"])))),
                PropertySpec("encapsulated_by_ref", .reference(.types(["network-traffic"]))),
            ], rules: networkTrafficRules),
        "process": StructureSpec(
            "a process",
            [
                PropertySpec("is_hidden", .boolean), PropertySpec("pid", .anyInteger),
                PropertySpec("created_time", .timestamp),
                PropertySpec("cwd", .string), PropertySpec("command_line", .string),
                PropertySpec("environment_variables", .dictionary(.string)),
                PropertySpec("opened_connection_refs", .list(.reference(.types(["network-traffic"])))),
                PropertySpec("creator_user_ref", .reference(.types(["user-account"]))),
                PropertySpec("image_ref", .reference(.types(["file"]))),
                PropertySpec("parent_ref", .reference(.types(["process"]))),
                PropertySpec("child_refs", .list(.reference(.types(["process"])))),
            ],
            atLeastOneOf: [
                "extensions", "is_hidden", "pid", "created_time", "cwd", "command_line", "environment_variables",
                "opened_connection_refs", "creator_user_ref", "image_ref", "parent_ref", "child_refs",
            ]),
        "software": StructureSpec(
            "a software",
            [
                PropertySpec("name", .string, required: true),
                PropertySpec(
                    "cpe", .formatted({ STIXValueSyntax.isCPE23($0) ? nil : "must be a CPE 2.3 formatted string" })),
                PropertySpec("swid", .string), PropertySpec("languages", .list(.languageTag)),
                PropertySpec("vendor", .string), PropertySpec("version", .string),
            ]),
        "url": StructureSpec("a url", [PropertySpec("value", .formatted(urlSyntax), required: true)]),
        "user-account": StructureSpec(
            "a user-account", userAccountProperties, atLeastOneOf: ["extensions"] + userAccountProperties.map(\.name)),
        "windows-registry-key": StructureSpec(
            "a windows-registry-key",
            [
                PropertySpec("key", .formatted(registryKeySyntax)),
                PropertySpec("values", .list(.structure(registryValue))),
                PropertySpec("modified_time", .timestamp),
                PropertySpec("creator_user_ref", .reference(.types(["user-account"]))),
                PropertySpec("number_of_subkeys", .anyInteger),
            ], atLeastOneOf: ["key", "values", "modified_time", "creator_user_ref", "number_of_subkeys"]),
        "x509-certificate": StructureSpec(
            "an x509-certificate", x509Properties, atLeastOneOf: x509Properties.map(\.name)),
    ]

    static let emailAddress = PropertyKind.reference(.types(["email-addr"]))
    static let endpoint = PropertyKind.reference(.types(["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]))

    static let mimePart = StructureSpec(
        "an email MIME part",
        [
            PropertySpec("body", .string), PropertySpec("body_raw_ref", .reference(.types(["artifact", "file"]))),
            PropertySpec("content_type", .string), PropertySpec("content_disposition", .string),
        ],
        rules: { part, prefix, v in
            if part["body"] == nil && part["body_raw_ref"] == nil {
                v.add(
                    PropertyChecker.join(prefix, "body"), "required-property",
                    "a MIME part needs 'body' or 'body_raw_ref'")
            }
        })

    static let registryValue = StructureSpec(
        "a windows registry value",
        [
            PropertySpec("name", .string), PropertySpec("data", .string),
            PropertySpec(
                "data_type",
                .enumeration([
                    "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
                    "REG_DWORD_LITTLE_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST",
                    "REG_FULL_RESOURCE_DESCRIPTION", "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD", "REG_INVALID_TYPE",
                ])),
        ], atLeastOneOf: ["name", "data", "data_type"])

    static let userAccountProperties: [PropertySpec] = [
        PropertySpec("user_id", .string), PropertySpec("credential", .string), PropertySpec("account_login", .string),
        PropertySpec("account_type", .string), PropertySpec("display_name", .string),
        PropertySpec("is_service_account", .boolean), PropertySpec("is_privileged", .boolean),
        PropertySpec("can_escalate_privs", .boolean), PropertySpec("is_disabled", .boolean),
        PropertySpec("account_created", .timestamp), PropertySpec("account_expires", .timestamp),
        PropertySpec("credential_last_changed", .timestamp), PropertySpec("account_first_login", .timestamp),
        PropertySpec("account_last_login", .timestamp),
    ]

    static let x509Properties: [PropertySpec] = [
        PropertySpec("is_self_signed", .boolean), PropertySpec("hashes", .hashes), PropertySpec("version", .string),
        PropertySpec("serial_number", .string), PropertySpec("signature_algorithm", .string),
        PropertySpec("issuer", .string),
        PropertySpec("validity_not_before", .timestamp), PropertySpec("validity_not_after", .timestamp),
        PropertySpec("subject", .string), PropertySpec("subject_public_key_algorithm", .string),
        PropertySpec("subject_public_key_modulus", .string), PropertySpec("subject_public_key_exponent", .anyInteger),
        PropertySpec("x509_v3_extensions", .structure(x509V3Extensions)),
    ]

    static let x509V3Extensions: StructureSpec = {
        let strings = [
            "basic_constraints", "name_constraints", "policy_constraints", "key_usage", "extended_key_usage",
            "subject_key_identifier", "authority_key_identifier", "subject_alternative_name", "issuer_alternative_name",
            "subject_directory_attributes", "crl_distribution_points", "inhibit_any_policy", "certificate_policies",
            "policy_mappings",
        ].map { PropertySpec($0, .string) }
        let properties =
            strings + [
                PropertySpec("private_key_usage_period_not_before", .timestamp),
                PropertySpec("private_key_usage_period_not_after", .timestamp),
            ]
        return StructureSpec("X.509 v3 extensions", properties, atLeastOneOf: properties.map(\.name))
    }()

    // MARK: Multi-property rules

    @Sendable static func artifactRules(_ object: JSONValue, _ prefix: String, _ v: inout STIXViolations) {
        switch (object["payload_bin"] != nil, object["url"] != nil) {
        case (true, true):
            v.add(
                PropertyChecker.join(prefix, "url"), "mutually-exclusive",
                "an artifact has 'payload_bin' or 'url', not both")
        case (false, false):
            v.add(
                PropertyChecker.join(prefix, "payload_bin"), "required-property",
                "an artifact needs 'payload_bin' or 'url'")
        default:
            break
        }
        if object["url"] != nil && object["hashes"] == nil {
            v.add(PropertyChecker.join(prefix, "hashes"), "required-property", "an artifact with 'url' needs 'hashes'")
        }
        if object["decryption_key"] != nil && object["encryption_algorithm"] == nil {
            v.add(
                PropertyChecker.join(prefix, "decryption_key"), "dependent-property",
                "'decryption_key' must not be present without 'encryption_algorithm'")
        }
    }

    @Sendable static func emailMessageRules(_ object: JSONValue, _ prefix: String, _ v: inout STIXViolations) {
        guard let multipart = object["is_multipart"]?.boolValue else { return }
        if multipart, object["body"] != nil {
            v.add(
                PropertyChecker.join(prefix, "body"), "multipart-body",
                "'body' must not be used when 'is_multipart' is true")
        }
        if !multipart, object["body_multipart"] != nil {
            v.add(
                PropertyChecker.join(prefix, "body_multipart"), "multipart-body",
                "'body_multipart' must not be used when 'is_multipart' is false")
        }
    }

    @Sendable static func networkTrafficRules(_ object: JSONValue, _ prefix: String, _ v: inout STIXViolations) {
        if object["src_ref"] == nil && object["dst_ref"] == nil {
            v.add(
                PropertyChecker.join(prefix, "src_ref"), "required-property",
                "a network-traffic needs 'src_ref' or 'dst_ref'")
        }
        orderedTimestamps(object, "start", "end", strictly: false, at: prefix, into: &v)
        if object["is_active"]?.boolValue == true, object["end"] != nil {
            v.add(
                PropertyChecker.join(prefix, "end"), "active-traffic-end",
                "'end' must not be present while 'is_active' is true")
        }
    }

    /// Section 3.1: an `_enc` property must not be present without the property whose encoding it names.
    static func encodingNeedsProperty(_ name: String, _ object: JSONValue, _ prefix: String, _ v: inout STIXViolations) {
        if object[name + "_enc"] != nil && object[name] == nil {
            v.add(
                PropertyChecker.join(prefix, name + "_enc"), "dependent-property",
                "'\(name)_enc' must not be present without '\(name)'")
        }
    }

    @Sendable static func urlSyntax(_ text: String) -> String? {
        STIXValueSyntax.isURL(text) ? nil : "must be a URL conforming to RFC 3986"
    }

    @Sendable static func domainSyntax(_ text: String) -> String? {
        STIXValueSyntax.isDomainName(text) ? nil : "must be a domain name conforming to RFC 1034 and RFC 5890"
    }

    @Sendable static func emailSyntax(_ text: String) -> String? {
        STIXValueSyntax.isEmailAddress(text)
            ? nil : "must be an RFC 5322 addr-spec such as jane@example.com, without a display name"
    }

    /// The hive of a registry key must be written out (`HKEY_LOCAL_MACHINE`, not `HKLM`).
    @Sendable static func registryKeySyntax(_ text: String) -> String? {
        let hive = text.prefix { $0 != "\\" }.uppercased()
        return ["HKLM", "HKCU", "HKCR", "HKU", "HKCC"].contains(hive)
            ? "must name the hive in full, e.g. HKEY_LOCAL_MACHINE for HKLM" : nil
    }

    // MARK: Identifiers

    /// SCO types whose ID contributing properties are all optional (section 2.9).
    static let optionalContributingProperties: [String: [String]] = [
        "process": [], "artifact": ["hashes", "payload_bin"], "email-message": ["from_ref", "subject", "body"],
        "user-account": ["account_type", "user_id", "account_login"], "windows-registry-key": ["key", "values"],
        "x509-certificate": ["hashes", "serial_number"],
    ]

    /// Section 2.9: when all ID contributing properties of an SCO are optional and none is present,
    /// its id must be a UUIDv4; `process` has none, so its id is always a UUIDv4.
    static func checkObservableIdentifier(type: String, object: JSONValue, into v: inout STIXViolations) {
        guard let text = object["id"]?.stringValue, let id = STIXIdentifier(text), id.uuidVersion != 4 else { return }
        guard let contributors = optionalContributingProperties[type],
            !contributors.contains(where: { object[$0] != nil })
        else { return }
        v.add(
            "id", "uuid-version",
            "a \(type) without ID contributing properties must have a UUIDv4 id, not a UUIDv\(id.uuidVersion)")
    }
}
