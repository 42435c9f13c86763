import CybexCore
import CybexFormats
import CybexStore

/// The shareable part of a case: its STIX incident (a new version when shareable content changes)
/// and the relationships to the objects linked to it, posted as the handling organisation.
extension CaseService {
    /// Posts the case's incident (a new version when it exists) and returns its id.
    func share(_ record: CaseRecord, in view: CollectionService.View, by principal: Principal, modified: Int64) async throws
        -> String
    {
        let owner = try await ownerOrganisation(record)
        let reporter = try await record.reporterID.asyncMap { try await store.organisation(id: $0)?.name ?? $0 }
        let generated = STIXTimestamp.formatVersion(microseconds: modified)
        let incident =
            record.imported
            ? try await importedIncident(record, by: principal, generated: generated)
            : IODEFCase.incident(record, issuer: issuer, ownerName: owner.name, reporterName: reporter, generated: generated)
        let names = Set(try await store.organisations().map(\.name))
        let created = try await firstCreated(of: record, by: principal)
        var objects: [JSONValue]
        do {
            objects = try IODEFSTIX.objects(for: incident, created: created, isKnownParty: names.contains).all
        } catch {
            throw EngineError(.invalidArgument, error.description)
        }
        if record.tlp == .amberStrict { objects = objects.map(IODEFCase.strict) }
        let bundle = JSONWriter.bytes(
            .object([("type", .string("bundle")), ("id", .string("bundle--" + Secrets.uuid())), ("objects", .array(objects))]))
        let report = try await collections.add(bundle, as: .bundle, to: view, by: principal)
        if let refused = report.rejected.first, case .rejected(let reason) = refused.outcome {
            throw EngineError(.conflict, "the case's incident was refused: \(reason)")
        }
        return IODEFSTIX.stixID(of: incident) ?? ""
    }

    /// The `created` every version of the case's incident keeps: the stored first version's
    /// (an imported incident's), else the case's opening.
    func firstCreated(of record: CaseRecord, by principal: Principal) async throws -> String {
        guard record.imported else { return STIXTimestamp.formatVersion(microseconds: record.created) }
        let page = try await collections.objects(
            in: record.collectionID, matching: ObjectQuery(ids: [record.incidentID], versions: .first, withContent: true),
            for: principal)
        if let stored = page.records.first(where: \.viewerOwns) ?? page.records.first,
            let created = (try? JSONReader.parse(stored.json))?["created"]?.stringValue
        {
            return created
        }
        return STIXTimestamp.formatVersion(microseconds: record.created)
    }

    /// `related-to` relationships from the case's incident to newly linked objects.
    func shareLinks(
        _ ids: [String], of record: CaseRecord, in view: CollectionService.View, by principal: Principal, at now: Int64
    )
        async throws
    {
        let stamp = STIXTimestamp.formatVersion(microseconds: now)
        var refs: [JSONValue] = []
        if let tlp = record.tlp { refs.append(.string(tlp.markingDefinitionID)) }
        let objects: [JSONValue] = ids.map { target in
            var members: [(key: String, value: JSONValue)] = [
                ("type", .string("relationship")), ("spec_version", .string("2.1")),
                ("id", .string("relationship--" + NameBasedUUID.make("cybex-case-link|\(record.incidentID)|\(target)"))),
                ("created", .string(stamp)), ("modified", .string(stamp)), ("relationship_type", .string("related-to")),
                ("source_ref", .string(record.incidentID)), ("target_ref", .string(target)),
            ]
            if !refs.isEmpty && record.tlp != .red { members.append(("object_marking_refs", .array(refs))) }
            return .object(members)
        }
        let body = JSONWriter.bytes(.object([("objects", .array(objects))]))
        if record.tlp == .red {
            // A link to a TLP:RED incident is as private as the incident: addressed to the same parties.
            _ = try await collections.add(
                body, objects: objects.map { IODEFCase.marked($0, .red) }, addressedTo: record.recipients, to: view, by: principal
            )
        } else {
            _ = try await collections.add(body, as: .envelope, to: view, by: principal)
        }
    }
}
