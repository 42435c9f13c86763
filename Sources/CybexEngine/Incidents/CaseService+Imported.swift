public import CybexCore
public import CybexFormats
import CybexStore
import Foundation

extension CaseService {
    /// Ingests an IODEF document as the principal's organisation (``CollectionService/addIODEF(_:to:by:)``)
    /// and opens a case, handled by that organisation, for each of its incidents it has none for.
    public func importIODEF(_ bytes: [UInt8], to collectionID: String, by principal: Principal) async throws -> IngestReport {
        let view = try await collections.writableCollection(id: collectionID, for: principal)
        let document = try IODEFExchange.read(bytes)
        let report = try await collections.addIODEF(document, to: view, by: principal)
        try await openCases(
            forImported: document, in: collectionID, ownerID: principal.organisation.id, actor: principal.user.username)
        return report
    }

    /// Opens a case, handled by `ownerID`, for each incident of an imported IODEF `document` that
    /// organisation does not handle a case for yet (docs/INCIDENTS.md, "Cases from IODEF"). The
    /// incidents were stored by the import; the cases only point at them. Returns the case ids.
    @discardableResult
    public func openCases(forImported document: IODEFDocument, in collectionID: String, ownerID: String, actor: String)
        async throws -> [String]
    {
        let names = Set(try await store.organisations().map(\.name))
        var opened: [String] = []
        for incident in document.incidents {
            guard let incidentID = IODEFSTIX.stixID(of: incident) else { continue }
            let now = clock.nowMicroseconds() / 1000 * 1000
            let ns = IODEF.namespace
            if var known = try await store.cases(incidentID: incidentID).first(where: { $0.ownerID == ownerID }) {
                // A later document about an incident with a case: the case keeps its own workflow,
                // and its timeline says what the newer document states.
                let generated = incident.elements("GenerationTime", namespace: ns).first.flatMap {
                    IODEFTime.microseconds($0.text)
                }
                guard let generated, generated > known.shared else { continue }
                known.shared = generated
                known.updated = now
                known.revision += 1
                let detail =
                    "IODEF update of \(STIXTimestamp.formatVersion(microseconds: generated)): status \(incident.attribute("status") ?? "(none)")"
                try await store.updateCase(
                    known, events: [CaseEvent(time: now, actor: actor, kind: "iodef-update", detail: detail)],
                    audit: [AuditEvent(time: now, actor: actor, action: "case.iodef-update", target: known.id, detail: detail)])
                continue
            }
            let idElement = incident.elements("IncidentID", namespace: ns).first
            let reference = idElement.map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) } ?? incidentID
            let descriptions = incident.elements("Description", namespace: ns)
                .map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            let title =
                descriptions.first.map { String($0.prefix(500)) }
                ?? "IODEF incident \(reference) (\(idElement?.attribute("name") ?? "?"))"
            let marking = IODEFRestriction.marking(for: incident.attribute("restriction"))
            let recipients = marking.toNamedParties ? IODEFSTIX.namedParties(of: incident).filter(names.contains) : []
            var record = CaseRecord(
                id: "case--" + Secrets.uuid(), ownerID: ownerID, collectionID: collectionID, incidentID: incidentID,
                reference: reference, title: title,
                description: descriptions.count > 1 ? descriptions.dropFirst().joined(separator: "\n\n") : nil,
                severity: Self.severity(of: incident), classification: Self.classification(of: incident), tlp: marking.level,
                recipients: recipients, reporterID: nil, created: now)
            record.imported = true
            record.shared =
                incident.elements("GenerationTime", namespace: ns).first.flatMap { IODEFTime.microseconds($0.text) } ?? now
            switch incident.attribute("status") {
            case "in-progress", "forwarded":
                record.status = .inProgress
                record.triaged = now
            case "resolved":
                record.status = .resolved
                record.triaged = now
                record.resolved = now
            default: break
            }
            let detail =
                "from IODEF \(reference) (\(record.severity.rawValue)\(record.classification.map { ", " + $0.rawValue } ?? ""))"
            try await store.createCase(
                record, events: [CaseEvent(time: now, actor: actor, kind: "created", detail: detail)],
                audit: [AuditEvent(time: now, actor: actor, action: "case.create", target: record.id, detail: detail)])
            opened.append(record.id)
        }
        return opened
    }

    /// The highest severity the incident states (expectations and impacts), else medium.
    static func severity(of incident: XMLTree.Element) -> CaseSeverity {
        var found: [CaseSeverity] = []
        func walk(_ element: XMLTree.Element) {
            for child in element.elements where child.name.namespace == IODEF.namespace {
                if ["Expectation", "SystemImpact", "BusinessImpact", "IntendedImpact", "TimeImpact", "MonetaryImpact"]
                    .contains(child.name.local), let value = child.attribute("severity"),
                    let severity = CaseSeverity(rawValue: value)
                {
                    found.append(severity)
                }
                walk(child)
            }
        }
        walk(incident)
        return found.max() ?? .medium
    }

    /// The Cybex class an incident's `IncidentCategory` names: by Cybex's id or label, or by the
    /// RSIT machine tag.
    static func classification(of incident: XMLTree.Element) -> IncidentClass? {
        let categories = incident.elements("Assessment", namespace: IODEF.namespace)
            .flatMap { $0.elements("IncidentCategory", namespace: IODEF.namespace) }
            .map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
        for category in categories {
            if let found = IncidentClass.allCases.first(where: {
                $0.rawValue == category || $0.label.lowercased() == category || $0.rsitTag.lowercased() == category
            }) {
                return found
            }
        }
        return nil
    }

    /// The incident to share for an imported case: the stored one (the handling organisation's
    /// newest version) with the case's status, classification and title, a new generation time,
    /// and the rest as imported.
    func importedIncident(_ record: CaseRecord, by principal: Principal, generated: String) async throws -> XMLTree.Element {
        let page = try await collections.objects(
            in: record.collectionID, matching: ObjectQuery(ids: [record.incidentID], versions: .last), for: principal)
        guard let stored = page.records.first(where: \.viewerOwns) ?? page.records.first,
            let object = try? JSONReader.parse(stored.json),
            let iodef = object["extensions"]?[IODEFSTIX.extensionID]?["iodef"],
            var incident = try? IODEFJSON.element(IODEF.name("Incident"), from: iodef)
        else {
            throw EngineError(.conflict, "the incident case \(record.id) was imported from cannot be read")
        }
        let ns = IODEF.namespace
        incident.set("status", record.status.iodefStatus)
        var children: [XMLTree.Node] = []
        var firstDescription = true
        var assessed = false
        for child in incident.children {
            guard case .element(var element) = child, element.name.namespace == ns else {
                children.append(child)
                continue
            }
            switch element.name.local {
            case "GenerationTime":
                element.children = [.text(generated)]
            case "Description" where firstDescription:
                firstDescription = false
                element.children = [.text(record.title)]
            case "Assessment" where !assessed:
                assessed = true
                element.children = Self.withClassification(element.children, record.classification)
            default: break
            }
            children.append(.element(element))
        }
        incident.children = children
        if !assessed, let classification = record.classification {
            // An Assessment needs an impact: the case's severity.
            var assessment = XMLTree.Element(
                IODEF.name("Assessment"), attributes: [XMLTree.Attribute(XMLTree.Name("occurrence"), "actual")])
            assessment.children = Self.withClassification([], classification)
            assessment.append(
                XMLTree.Element(
                    IODEF.name("SystemImpact"),
                    attributes: [
                        XMLTree.Attribute(XMLTree.Name("severity"), record.severity.iodefSeverity),
                        XMLTree.Attribute(XMLTree.Name("type"), "unknown"),
                    ]))
            // After the last of the elements an Assessment follows (RFC 7970's sequence).
            let before: Set<String> = [
                "IncidentID", "AlternativeID", "RelatedActivity", "DetectTime", "StartTime", "EndTime", "RecoveryTime",
                "ReportTime", "GenerationTime", "Description", "Discovery",
            ]
            let index =
                (incident.children.lastIndex {
                    if case .element(let element) = $0 { before.contains(element.name.local) } else { false }
                } ?? -1) + 1
            incident.children.insert(.element(assessment), at: index)
        }
        return incident
    }

    /// `children` of an Assessment with the categories Cybex writes for `classification` first
    /// (earlier ones of Cybex's vocabulary dropped, others kept).
    static func withClassification(_ children: [XMLTree.Node], _ classification: IncidentClass?) -> [XMLTree.Node] {
        let ours = Set(IncidentClass.allCases.flatMap { [$0.label, $0.rsitTag] })
        let kept = children.filter {
            guard case .element(let element) = $0, element.name == IODEF.name("IncidentCategory") else { return true }
            return !ours.contains(element.text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard let classification else { return kept }
        return [classification.label, classification.rsitTag].map {
            .element(XMLTree.Element(IODEF.name("IncidentCategory"), children: [.text($0)]))
        } + kept
    }
}

extension CaseService {
    /// Every case of the node, newest first (only those in `status` when given): the operator's
    /// view on the command line, which is not a reader of any organisation.
    public func allCases(status: CaseStatus? = nil) async throws -> [CaseRecord] {
        try await store.cases(ownerID: nil).filter { status == nil || $0.status == status }
    }

    /// One case and its timeline, for the operator; `notFound` when there is none.
    public func operatorView(id: String) async throws -> (CaseRecord, [CaseEvent]) {
        guard let record = try await store.caseRecord(id: id) else { throw Self.notFound(id) }
        return (record, try await store.caseEvents(caseID: id))
    }
}
