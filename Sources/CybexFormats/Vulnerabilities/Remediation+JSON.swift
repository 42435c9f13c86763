public import CybexCore

extension InventoryItem {
    /// `{"type": "cpe"|"purl", "value": …, "note": …}`, as the REST API and `cybex inventory list --json` write it.
    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("type", .string(kind.rawValue)), ("value", .string(value))]
        if let note { members.append(("note", .string(note))) }
        return .object(members)
    }
}

extension RemediationProduct {
    public var json: JSONValue {
        .object([("item", .string(item)), ("status", .string(status)), ("reason", .string(reason))])
    }
}

extension RemediationRecord {
    /// The duty as the REST API and `cybex remediation list --json` write it; `now` decides `overdue`.
    public func json(at now: Int64, history withHistory: Bool = true) -> JSONValue {
        let time = { (microseconds: Int64) in JSONValue.string(STIXTimestamp.formatVersion(microseconds: microseconds)) }
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(id)), ("organisation", .string(organisationID)), ("vulnerability", .string(vulnerabilityID)),
        ]
        if let cve { members.append(("cve", .string(cve))) }
        members += [
            ("title", .string(title)), ("role", .string(role.rawValue)), ("status", .string(status.rawValue)),
            ("severity", .string(severity.rawValue)),
        ]
        if let score { members.append(("score", .number("\(score / 10).\(score % 10)"))) }
        members += [
            ("products", .array(products.map(\.json))), ("created", time(created)), ("updated", time(updated)),
            ("due", time(due)), ("overdue", .bool(isOverdue(at: now))),
        ]
        if let escalated { members.append(("escalated", time(escalated))) }
        members.append(("status_set_by_person", .bool(statusSetByPerson)))
        if withHistory {
            members.append(
                (
                    "history",
                    .array(
                        history.map { event in
                            .object([
                                ("time", time(event.time)), ("actor", .string(event.actor)), ("kind", .string(event.kind)),
                                ("detail", .string(event.detail)),
                            ])
                        })
                ))
            if droppedHistory > 0 { members.append(("history_dropped", .number(String(droppedHistory)))) }
        }
        members.append(("revision", .number(String(revision))))
        return .object(members)
    }
}
