/// The predefined SCO extensions of sections 6.7, 6.12, 6.13 and 6.16, keyed by the object type
/// that defines them and then by extension name. Other extension names on these types are custom
/// extensions (section 11.3) and are only checked by ``ExtensionRules``.
extension STIXTypeRules {
    static let predefinedExtensions: [String: [String: StructureSpec]] = [
        "file": [
            "archive-ext": StructureSpec(
                "the archive-ext extension",
                [
                    PropertySpec("contains_refs", .list(.reference(.types(["file", "directory"]))), required: true),
                    PropertySpec("comment", .string),
                ]),
            "ntfs-ext": StructureSpec(
                "the ntfs-ext extension",
                [
                    PropertySpec("sid", .string),
                    PropertySpec("alternate_data_streams", .list(.structure(alternateDataStream))),
                ],
                atLeastOneOf: ["sid", "alternate_data_streams"]),
            "pdf-ext": StructureSpec(
                "the pdf-ext extension",
                [
                    PropertySpec("version", .string), PropertySpec("is_optimized", .boolean),
                    PropertySpec("document_info_dict", .dictionary(.string)), PropertySpec("pdfid0", .string),
                    PropertySpec("pdfid1", .string),
                ], atLeastOneOf: ["version", "is_optimized", "document_info_dict", "pdfid0", "pdfid1"]),
            "raster-image-ext": StructureSpec(
                "the raster-image-ext extension",
                [
                    PropertySpec("image_height", .anyInteger), PropertySpec("image_width", .anyInteger),
                    PropertySpec("bits_per_pixel", .anyInteger),
                    PropertySpec("exif_tags", .dictionary(.integerOrString)),
                ], atLeastOneOf: ["image_height", "image_width", "bits_per_pixel", "exif_tags"]),
            "windows-pebinary-ext": StructureSpec(
                "the windows-pebinary-ext extension", peBinaryProperties,
                atLeastOneOf: peBinaryProperties.map(\.name).filter { $0 != "pe_type" }),
        ],
        "network-traffic": [
            "http-request-ext": StructureSpec(
                "the http-request-ext extension",
                [
                    PropertySpec("request_method", .string, required: true),
                    PropertySpec("request_value", .string, required: true), PropertySpec("request_version", .string),
                    PropertySpec("request_header", .dictionary(.stringList)),
                    PropertySpec("message_body_length", .anyInteger),
                    PropertySpec("message_body_data_ref", .reference(.types(["artifact"]))),
                ]),
            "icmp-ext": StructureSpec(
                "the icmp-ext extension",
                [
                    PropertySpec("icmp_type_hex", .hex, required: true),
                    PropertySpec("icmp_code_hex", .hex, required: true),
                ]),
            "socket-ext": StructureSpec(
                "the socket-ext extension",
                [
                    PropertySpec(
                        "address_family",
                        .enumeration([
                            "AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS", "AF_INET6", "AF_IRDA",
                            "AF_BTH",
                        ]), required: true),
                    PropertySpec("is_blocking", .boolean), PropertySpec("is_listening", .boolean),
                    PropertySpec("options", .dictionary(.integer)),
                    PropertySpec(
                        "socket_type",
                        .enumeration(["SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET"])),
                    PropertySpec("socket_descriptor", .nonNegativeInteger), PropertySpec("socket_handle", .anyInteger),
                ]),
            "tcp-ext": StructureSpec(
                "the tcp-ext extension", [PropertySpec("src_flags_hex", .hex), PropertySpec("dst_flags_hex", .hex)],
                atLeastOneOf: ["src_flags_hex", "dst_flags_hex"]),
        ],
        "process": [
            // The property table spells `windows_title`; the JSON schema and the reference library use
            // `window_title`. Both are accepted as strings.
            "windows-process-ext": StructureSpec(
                "the windows-process-ext extension",
                [
                    PropertySpec("aslr_enabled", .boolean), PropertySpec("dep_enabled", .boolean),
                    PropertySpec("priority", .string), PropertySpec("owner_sid", .string),
                    PropertySpec("window_title", .string), PropertySpec("windows_title", .string),
                    PropertySpec("startup_info", .dictionary(.any)),
                    PropertySpec("integrity_level", .enumeration(["low", "medium", "high", "system"])),
                ],
                atLeastOneOf: [
                    "aslr_enabled", "dep_enabled", "priority", "owner_sid", "window_title", "windows_title",
                    "startup_info", "integrity_level",
                ]),
            "windows-service-ext": StructureSpec(
                "the windows-service-ext extension",
                [
                    PropertySpec("service_name", .string), PropertySpec("descriptions", .stringList),
                    PropertySpec("display_name", .string), PropertySpec("group_name", .string),
                    PropertySpec(
                        "start_type",
                        .enumeration([
                            "SERVICE_AUTO_START", "SERVICE_BOOT_START", "SERVICE_DEMAND_START", "SERVICE_DISABLED",
                            "SERVICE_SYSTEM_ALERT",
                        ])),
                    PropertySpec("service_dll_refs", .list(.reference(.types(["file"])))),
                    PropertySpec(
                        "service_type",
                        .enumeration([
                            "SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER", "SERVICE_WIN32_OWN_PROCESS",
                            "SERVICE_WIN32_SHARE_PROCESS",
                        ])),
                    PropertySpec(
                        "service_status",
                        .enumeration([
                            "SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED", "SERVICE_RUNNING",
                            "SERVICE_START_PENDING", "SERVICE_STOP_PENDING", "SERVICE_STOPPED",
                        ])),
                ],
                atLeastOneOf: [
                    "service_name", "descriptions", "display_name", "group_name", "start_type", "service_dll_refs",
                    "service_type", "service_status",
                ]),
        ],
        "user-account": [
            "unix-account-ext": StructureSpec(
                "the unix-account-ext extension",
                [
                    PropertySpec("gid", .anyInteger), PropertySpec("groups", .stringList),
                    PropertySpec("home_dir", .string),
                    PropertySpec("shell", .string),
                ], atLeastOneOf: ["gid", "groups", "home_dir", "shell"])
        ],
    ]

    static let alternateDataStream = StructureSpec(
        "an alternate data stream",
        [
            PropertySpec("name", .string, required: true), PropertySpec("hashes", .hashes),
            PropertySpec("size", .nonNegativeInteger),
        ])

    static let peBinaryProperties: [PropertySpec] = [
        PropertySpec("pe_type", .string, required: true), PropertySpec("imphash", .string),
        PropertySpec("machine_hex", .hex), PropertySpec("number_of_sections", .nonNegativeInteger),
        PropertySpec("time_date_stamp", .timestampWholeSeconds), PropertySpec("pointer_to_symbol_table_hex", .hex),
        PropertySpec("number_of_symbols", .nonNegativeInteger),
        PropertySpec("size_of_optional_header", .nonNegativeInteger),
        PropertySpec("characteristics_hex", .hex), PropertySpec("file_header_hashes", .hashes),
        PropertySpec("optional_header", .structure(peOptionalHeader)),
        PropertySpec("sections", .list(.structure(peSection))),
    ]

    static let peOptionalHeader: StructureSpec = {
        let integers = [
            "major_linker_version", "minor_linker_version", "address_of_entry_point", "base_of_code", "base_of_data",
            "image_base", "section_alignment", "file_alignment", "major_os_version", "minor_os_version",
            "major_image_version", "minor_image_version", "major_subsystem_version", "minor_subsystem_version",
            "number_of_rva_and_sizes",
        ].map { PropertySpec($0, .anyInteger) }
        let sizes = [
            "size_of_code", "size_of_initialized_data", "size_of_uninitialized_data", "size_of_image",
            "size_of_headers",
            "size_of_stack_reserve", "size_of_stack_commit", "size_of_heap_reserve", "size_of_heap_commit",
        ].map { PropertySpec($0, .nonNegativeInteger) }
        let hexes = [
            "magic_hex", "win32_version_value_hex", "checksum_hex", "subsystem_hex", "dll_characteristics_hex",
            "loader_flags_hex",
        ].map { PropertySpec($0, .hex) }
        let properties = integers + sizes + hexes + [PropertySpec("hashes", .hashes)]
        return StructureSpec("a PE optional header", properties, atLeastOneOf: properties.map(\.name))
    }()

    static let peSection = StructureSpec(
        "a PE section",
        [
            PropertySpec("name", .string, required: true), PropertySpec("size", .nonNegativeInteger),
            PropertySpec("entropy", .anyFloat), PropertySpec("hashes", .hashes),
        ])
}
