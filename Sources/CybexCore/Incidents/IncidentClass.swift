/// The attack forms ITU-T's Resolution 50 names, as Cybex's classification vocabulary, each mapped
/// onto the Reference Security Incident Taxonomy (RSIT, ENISA / TF-CSIRT, version 1) that CSIRT
/// networks use: its class (the machine tag's predicate) and, where one fits, its type.
public enum IncidentClass: String, Sendable, Codable, CaseIterable {
    case phishing
    case pharming
    case scamFraud = "scam-fraud"
    case ddos
    case webDefacement = "web-defacement"
    case unauthorisedAccess = "unauthorised-access"
    case malware
    case botnet
    case spam
    case socialEngineering = "social-engineering"
    case apt
    case vulnerabilityExploitation = "vulnerability-exploitation"
    case other

    /// Words for people.
    public var label: String {
        switch self {
        case .phishing: "Phishing"
        case .pharming: "Pharming"
        case .scamFraud: "Scams and fraud"
        case .ddos: "Distributed denial of service"
        case .webDefacement: "Web defacement"
        case .unauthorisedAccess: "Unauthorised access"
        case .malware: "Malware"
        case .botnet: "Botnet"
        case .spam: "Spam"
        case .socialEngineering: "Social engineering"
        case .apt: "Advanced persistent threat"
        case .vulnerabilityExploitation: "Exploitation of vulnerabilities"
        case .other: "Other"
        }
    }

    /// The RSIT class and type (nil where the taxonomy has no type that fits better than the class).
    public var rsit: (class: String, type: String?) {
        switch self {
        case .phishing: ("fraud", "phishing")
        case .pharming: ("fraud", "masquerade")
        case .scamFraud: ("fraud", nil)
        case .ddos: ("availability", "ddos")
        case .webDefacement: ("information-content-security", "Unauthorised-information-modification")
        case .unauthorisedAccess: ("information-content-security", "Unauthorised-information-access")
        case .malware: ("malicious-code", "infected-system")
        case .botnet: ("malicious-code", "c2-server")
        case .spam: ("abusive-content", "spam")
        case .socialEngineering: ("information-gathering", "social-engineering")
        case .apt: ("intrusions", nil)
        case .vulnerabilityExploitation: ("intrusion-attempts", "ids-alert")
        case .other: ("other", "other")
        }
    }

    /// The RSIT machine tag, e.g. `rsit:fraud="phishing"` (`rsit:intrusions` without a type).
    public var rsitTag: String {
        let (kind, type) = rsit
        return "rsit:\(kind)" + (type.map { "=\"\($0)\"" } ?? "")
    }
}
