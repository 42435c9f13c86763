public import CybexCore
public import CybexFormats
public import CybexStore

/// Checks the marking references of ingested objects and works out the recipients of TLP:RED
/// objects (SECURITY.md, "Recipients of TLP:RED"). Built once per document, before its objects
/// are stored, from the document's own marking definitions and the ones the store already holds.
///
/// An object is refused, with a violation naming the rule, when it references a marking definition
/// that is neither a TLP marking, nor stored, nor valid in the same document (`unknown-marking`),
/// when its `object_marking_refs` name two different TLP levels (`conflicting-markings`), and, for
/// a distribution marking, when it names an organisation this node does not know (`unknown-recipient`).
public struct MarkingResolver: Sendable {
    /// Every usable non-TLP marking definition by id, with the organisation ids it addresses
    /// (empty for one that is not a distribution marking).
    var known: [String: Set<String>] = [:]
    /// Marking definitions of the document that were refused, with the reason.
    var refused: [String: String] = [:]
    /// Organisation ids by name and by id.
    var organisations: [String: String] = [:]

    /// Reads what `document` references and defines, and looks the rest up in `store` among the
    /// definitions `visibility` lets the poster reference (nil: all of them): one it may not see is
    /// answered as one never posted.
    public init(document: ParsedDocument, store: any Store, visibility: MarkingVisibility? = nil) async throws {
        let (referenced, _) = document.markingIDs()
        let definitions = document.decodeMarkingDefinitions()
        let needsOrganisations = definitions.values.contains {
            if case .valid(let record) = $0 { return record.isDistributionMarking }
            return false
        }
        if needsOrganisations {
            for organisation in try await store.organisations() {
                organisations[organisation.id] = organisation.id
                organisations[organisation.name] = organisation.id
            }
        }
        for (id, decoded) in definitions {
            switch decoded {
            case .valid(let record):
                let (ids, problem) = recipientIDs(of: record)
                if let problem { refused[id] = problem.message } else { known[id] = ids }
            case .invalid(_, _, let violations):
                refused[id] = violations.map(\.detail).joined(separator: "; ")
            }
        }
        let unresolved = referenced.filter { TLPLevel(markingDefinitionID: $0) == nil && definitions[$0] == nil }
        if !unresolved.isEmpty {
            for (id, recipients) in try await store.markingDefinitions(ids: unresolved, visibleTo: visibility) {
                known[id] = recipients
            }
        }
    }

    /// `decoded` with its recipients resolved, or refused with the violations found.
    public func resolve(_ decoded: DecodedObject) -> DecodedObject {
        guard case .valid(var record) = decoded else { return decoded }
        var v = STIXViolations(objectID: record.id)
        for (property, refs) in [
            ("object_marking_refs", record.objectMarkingRefs), ("granular_markings", record.granularMarkingRefs),
        ] {
            for ref in refs where TLPLevel(markingDefinitionID: ref) == nil && known[ref] == nil {
                if let reason = refused[ref] {
                    v.add(property, "unknown-marking", "marking definition '\(ref)' was refused: \(reason)")
                } else {
                    v.add(
                        property, "unknown-marking",
                        "unknown marking definition '\(ref)': post it before, or in the same envelope as, the objects that reference it"
                    )
                }
            }
        }
        let levels = Set(record.objectMarkingRefs.compactMap(TLPLevel.init(markingDefinitionID:)))
        if levels.count > 1 {
            let names = levels.sorted().map(\.label).joined(separator: " and ")
            v.add("object_marking_refs", "conflicting-markings", "conflicting TLP markings: \(names); give one level")
        }
        if record.isDistributionMarking {
            let (ids, problem) = recipientIDs(of: record)
            if let problem { v.add(problem.property, problem.rule, problem.message) }
            record.recipients = ids.sorted()
        } else {
            record.recipients = Set(record.objectMarkingRefs.flatMap { known[$0] ?? [] }).sorted()
        }
        guard v.list.isEmpty else { return .invalid(id: record.id, version: record.versionText, violations: v.list) }
        return .valid(record)
    }

    /// The organisation ids a distribution marking's recipients stand for.
    private func recipientIDs(of record: STIXObjectRecord) -> (Set<String>, STIXViolation?) {
        guard record.isDistributionMarking else { return ([], nil) }
        var ids: Set<String> = []
        for name in record.recipients {
            guard let id = organisations[name] else {
                return (
                    [],
                    STIXViolation(
                        objectID: record.id, property: "extensions.\(DistributionMarking.extensionID).recipients",
                        rule: "unknown-recipient", message: "unknown recipient '\(name)': name an organisation of this node")
                )
            }
            ids.insert(id)
        }
        return (ids, nil)
    }
}
