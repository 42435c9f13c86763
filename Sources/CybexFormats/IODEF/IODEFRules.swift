/// What Cybex checks of an IODEF v2 document beyond well-formed XML: Cybex's own table of the
/// RFC 7970 classes (`docs/IODEF.md`), read from the RFC's schema. Every element in the IODEF
/// namespace must be a class of the RFC; each class's required attributes and children must be
/// there; enumerated attributes must hold one of their values; dates, integers and numbers must
/// read as such. Content of the extension classes (`AdditionalData`, `RecordItem`, …) and of the
/// imported namespaces (`sci:`, `enum:`, `ds:`) is carried, not checked.
enum IODEFRules {
    /// How the text of a class with simple content must read.
    enum Text {
        case string, dateTime, integer, float, positiveFloat, portlist, timezone
    }

    struct Class {
        /// Attributes that must be present.
        var required: [String] = []
        /// Enumerated attributes and their values (every enumeration also allows `ext-value`
        /// where the RFC lists it).
        var enumerations: [String: Set<String>] = [:]
        /// Children that must appear at least once.
        var requiredChildren: [String] = []
        /// Children of which at least one must appear.
        var oneOf: [String] = []
        /// Children of which exactly one must appear.
        var exactlyOne: [String] = []
        var text: Text? = nil
        /// Whether the content is open (`xs:any`): children are carried unchecked.
        var open = false
    }

    static let restriction: Set<String> = [
        "default", "public", "partner", "need-to-know", "private", "white", "green", "amber", "red", "ext-value",
    ]
    static let severity: Set<String> = ["low", "medium", "high"]
    static let duration: Set<String> = ["second", "minute", "hour", "day", "month", "quarter", "year", "ext-value"]
    static let yesNoUnknown: Set<String> = ["yes", "no", "unknown"]
    static let action: Set<String> = [
        "nothing", "contact-source-site", "contact-target-site", "contact-sender", "investigate", "block-host",
        "block-network", "block-port", "rate-limit-host", "rate-limit-network", "rate-limit-port", "redirect-traffic",
        "honeypot", "upgrade-software", "rebuild-asset", "harden-asset", "remediate-other", "status-triage",
        "status-new-info", "watch-and-report", "training", "defined-coa", "other", "ext-value",
    ]
    static let dtype: Set<String> = [
        "boolean", "byte", "bytes", "character", "date-time", "integer", "ntpstamp", "portlist", "real", "string", "file",
        "path", "frame", "packet", "ipv4-packet", "ipv6-packet", "url", "csv", "winreg", "xml", "json", "ext-value",
    ]
    static let purpose: Set<String> = ["traceback", "mitigation", "reporting", "watch", "other", "ext-value"]
    static let status: Set<String> = ["new", "in-progress", "forwarded", "resolved", "future", "ext-value"]
    static let contactRole: Set<String> = [
        "creator", "reporter", "admin", "tech", "provider", "user", "billing", "legal", "abuse", "irt", "cc", "cc-irt", "leo",
        "vendor", "vendor-support", "victim", "victim-notified", "ext-value",
    ]
    static let addressCategory: Set<String> = [
        "asn", "atm", "e-mail", "mac", "ipv4-addr", "ipv4-net", "ipv4-net-masked", "ipv4-net-mask", "ipv6-addr", "ipv6-net",
        "ipv6-net-masked", "site-uri", "ext-value",
    ]
    static let businessImpact = Class(enumerations: [
        "severity": ["none", "low", "medium", "high", "unknown", "ext-value"],
        "type": [
            "breach-proprietary", "breach-privacy", "breach-credential", "loss-of-integrity", "loss-of-service",
            "theft-financial", "theft-service", "degraded-reputation", "asset-damage", "asset-manipulation", "legal",
            "extortion", "unknown", "ext-value",
        ],
    ])
    static let extensionClass = Class(required: ["dtype"], enumerations: ["dtype": dtype], open: true)
    static let dateTime = Class(text: .dateTime)
    static let integer = Class(text: .integer)
    static let string = Class(text: .string)

    /// Every class of the IODEF namespace, by element name.
    static let classes: [String: Class] = [
        "IODEF-Document": Class(required: ["version"], requiredChildren: ["Incident"]),
        "Incident": Class(
            required: ["purpose"], enumerations: ["purpose": purpose, "status": status],
            requiredChildren: ["IncidentID", "GenerationTime", "Contact"]),
        "IncidentID": Class(required: ["name"], text: .string),
        "AlternativeID": Class(requiredChildren: ["IncidentID"]),
        "RelatedActivity": Class(),
        "ThreatActor": Class(), "ThreatActorID": string, "Campaign": Class(), "CampaignID": string,
        "Contact": Class(
            required: ["role", "type"],
            enumerations: ["role": contactRole, "type": ["person", "organization", "ext-value"]]),
        "ContactName": string, "ContactTitle": string,
        "RegistryHandle": Class(
            enumerations: ["registry": ["internic", "apnic", "arin", "lacnic", "ripe", "afrinic", "local", "ext-value"]],
            text: .string),
        "PostalAddress": Class(enumerations: ["type": ["street", "mailing", "ext-value"]], requiredChildren: ["PAddress"]),
        "PAddress": string,
        "Telephone": Class(
            enumerations: ["type": ["wired", "mobile", "fax", "hotline", "ext-value"]], requiredChildren: ["TelephoneNumber"]),
        "TelephoneNumber": string,
        "Email": Class(enumerations: ["type": ["direct", "hotline", "ext-value"]], requiredChildren: ["EmailTo"]),
        "EmailTo": string,
        "DateTime": dateTime, "ReportTime": dateTime, "DetectTime": dateTime, "StartTime": dateTime, "EndTime": dateTime,
        "RecoveryTime": dateTime, "GenerationTime": dateTime,
        "Timezone": Class(text: .timezone),
        "History": Class(requiredChildren: ["HistoryItem"]),
        "HistoryItem": Class(required: ["action"], enumerations: ["action": action], requiredChildren: ["DateTime"]),
        "DefinedCOA": string,
        "Expectation": Class(enumerations: ["action": action, "severity": severity]),
        "Discovery": Class(enumerations: [
            "source": [
                "nidps", "hips", "siem", "av", "third-party-monitoring", "incident", "os-log", "application-log",
                "device-log", "network-flow", "passive-dns", "investigation", "audit", "internal-notification",
                "external-notification", "leo", "partner", "actor", "unknown", "ext-value",
            ]
        ]),
        "DetectionPattern": Class(requiredChildren: ["Application"]),
        "DetectionConfiguration": string,
        "Method": Class(),
        "Reference": Class(),
        "Assessment": Class(
            enumerations: ["occurrence": ["actual", "potential"]],
            oneOf: ["SystemImpact", "BusinessImpact", "TimeImpact", "MonetaryImpact", "IntendedImpact"]),
        "IncidentCategory": string, "MitigatingFactor": string, "Cause": string,
        "SystemImpact": Class(enumerations: [
            "severity": severity, "completion": ["failed", "succeeded"],
            "type": [
                "takeover-account", "takeover-service", "takeover-system", "cps-manipulation", "cps-damage",
                "availability-data", "availability-account", "availability-service", "availability-system",
                "damaged-system", "damaged-data", "breach-proprietary", "breach-privacy", "breach-credential",
                "breach-configuration", "integrity-data", "integrity-configuration", "integrity-hardware",
                "traffic-redirection", "monitoring-traffic", "monitoring-host", "policy", "unknown", "ext-value",
            ],
        ]),
        "BusinessImpact": businessImpact, "IntendedImpact": businessImpact,
        "TimeImpact": Class(
            required: ["metric"],
            enumerations: [
                "severity": severity, "metric": ["labor", "elapsed", "downtime", "ext-value"], "duration": duration,
            ], text: .positiveFloat),
        "MonetaryImpact": Class(enumerations: ["severity": severity], text: .positiveFloat),
        "Confidence": Class(
            required: ["rating"], enumerations: ["rating": ["low", "medium", "high", "numeric", "unknown", "ext-value"]],
            text: .float),
        "EventData": Class(),
        "Flow": Class(requiredChildren: ["System"]),
        "System": Class(
            enumerations: [
                "category": ["source", "target", "intermediate", "sensor", "infrastructure", "ext-value"],
                "spoofed": yesNoUnknown, "virtual": yesNoUnknown,
                "ownership": ["organization", "personal", "partner", "customer", "no-relationship", "unknown", "ext-value"],
            ], requiredChildren: ["Node"]),
        "OperatingSystem": Class(), "AssetID": string,
        "Node": Class(oneOf: ["DomainData", "Address"]),
        "Address": Class(enumerations: ["category": addressCategory], text: .string),
        "Location": string,
        "NodeRole": Class(
            required: ["category"],
            enumerations: [
                "category": [
                    "client", "client-enterprise", "client-partner", "client-remote", "client-kiosk", "client-mobile",
                    "server-internal", "server-public", "www", "mail", "webmail", "messaging", "streaming", "voice",
                    "file", "ftp", "p2p", "name", "directory", "credential", "print", "application", "database",
                    "backup", "dhcp", "assessment", "source-control", "config-management", "monitoring", "infra",
                    "infra-firewall", "infra-router", "infra-switch", "camera", "proxy", "remote-access", "log",
                    "virtualization", "pos", "scada", "scada-supervisory", "sinkhole", "honeypot", "anonymization",
                    "c2-server", "malware-distribution", "drop-server", "hop-point", "reflector", "phishing-site",
                    "spear-phishing-site", "recruiting-site", "fraudulent-site", "ext-value",
                ]
            ]),
        "Service": Class(),
        "Port": integer, "Portlist": Class(text: .portlist), "ProtoType": integer, "ProtoCode": integer,
        "ProtoField": integer,
        "ApplicationHeader": Class(requiredChildren: ["ApplicationHeaderField"]),
        "ApplicationHeaderField": extensionClass,
        "ServiceName": Class(), "IANAService": string, "Application": Class(),
        "Counter": Class(
            required: ["type", "unit"],
            enumerations: [
                "type": ["count", "peak", "average", "ext-value"],
                "unit": [
                    "byte", "mbit", "packet", "flow", "session", "event", "alert", "message", "host", "site",
                    "organization", "ext-value",
                ],
                "duration": duration,
            ], text: .float),
        "EmailData": Class(),
        "EmailFrom": string, "EmailSubject": string, "EmailX-Mailer": string, "EmailHeaderField": extensionClass,
        "EmailHeaders": string, "EmailBody": string, "EmailMessage": string,
        "DomainData": Class(
            enumerations: [
                "system-status": ["spoofed", "fraudulent", "innocent-hacked", "innocent-hijacked", "unknown", "ext-value"],
                "domain-status": [
                    "reservedDelegation", "assignedAndActive", "assignedAndInactive", "assignedAndOnHold", "revoked",
                    "transferPending", "registryLock", "registrarLock", "other", "unknown", "ext-value",
                ],
            ], requiredChildren: ["Name"]),
        "Name": string, "DateDomainWasChecked": dateTime, "RegistrationDate": dateTime, "ExpirationDate": dateTime,
        "RelatedDNS": extensionClass,
        "Nameservers": Class(requiredChildren: ["Server", "Address"]),
        "Server": string,
        // One SameDomainContact, or one or more Contacts.
        "DomainContacts": Class(oneOf: ["SameDomainContact", "Contact"]),
        "SameDomainContact": string,
        "Record": Class(requiredChildren: ["RecordData"]),
        "RecordData": Class(),
        "RecordPattern": Class(
            required: ["type"],
            enumerations: ["type": ["regex", "binary", "xpath", "ext-value"], "offsetunit": ["line", "byte", "ext-value"]],
            text: .string),
        "RecordItem": extensionClass,
        "WindowsRegistryKeysModified": Class(requiredChildren: ["Key"]),
        "Key": Class(
            enumerations: [
                "registryaction": [
                    "add-key", "add-value", "delete-key", "delete-value", "modify-key", "modify-value", "ext-value",
                ]
            ], requiredChildren: ["KeyName"]),
        "KeyName": string, "KeyValue": string,
        "FileData": Class(requiredChildren: ["File"]),
        "File": Class(), "FileName": string, "FileSize": integer, "FileType": string, "AssociatedSoftware": Class(),
        "FileProperties": extensionClass,
        "HashData": Class(
            required: ["scope"],
            enumerations: [
                "scope": [
                    "file-contents", "file-pe-section", "file-pe-iat", "file-pe-resource", "file-pdf-object",
                    "email-hash", "email-headers-hash", "email-body-hash", "ext-value",
                ]
            ]),
        "HashTargetID": string,
        "Hash": Class(),
        "FuzzyHash": Class(requiredChildren: ["FuzzyHashValue"]),
        "FuzzyHashValue": extensionClass,
        "SignatureData": Class(),
        "CertificateData": Class(requiredChildren: ["Certificate"]),
        "Certificate": Class(),
        "IndicatorData": Class(requiredChildren: ["Indicator"]),
        "Indicator": Class(
            requiredChildren: ["IndicatorID"],
            exactlyOne: ["Observable", "ObservableReference", "IndicatorExpression", "IndicatorReference"]),
        "IndicatorID": Class(required: ["name", "version"], text: .string),
        "AlternativeIndicatorID": Class(requiredChildren: ["IndicatorID"]),
        "Observable": Class(),
        "BulkObservable": Class(
            required: ["type"],
            enumerations: [
                "type": [
                    "asn", "atm", "e-mail", "ipv4-addr", "ipv4-net", "ipv4-net-mask", "ipv6-addr", "ipv6-net",
                    "ipv6-net-mask", "mac", "site-uri", "domain-name", "domain-to-ipv4", "domain-to-ipv6",
                    "domain-to-ipv4-timestamp", "domain-to-ipv6-timestamp", "ipv4-port", "ipv6-port", "windows-reg-key",
                    "file-hash", "email-x-mailer", "email-subject", "http-user-agent", "http-request-uri", "mutex",
                    "file-path", "user-name", "ext-value",
                ]
            ], requiredChildren: ["BulkObservableList"]),
        "BulkObservableFormat": Class(),
        "BulkObservableList": string,
        "IndicatorExpression": Class(enumerations: ["operator": ["not", "and", "or", "xor"]]),
        "ObservableReference": Class(required: ["uid-ref"]),
        "IndicatorReference": Class(),
        "AttackPhase": Class(), "AttackPhaseID": string,
        "AdditionalData": extensionClass,
        "Description": string,
        "URL": string,
        "SoftwareReference": Class(
            required: ["spec-name"],
            enumerations: [
                "spec-name": ["custom", "cpe", "swid", "ext-value"],
                "dtype": ["bytes", "integer", "real", "string", "xml", "ext-value"],
            ], open: true),
    ]
}
