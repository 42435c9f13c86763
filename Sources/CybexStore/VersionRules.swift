import CybexCore

/// A version of an object the store already holds, as far as the versioning rules need it.
struct ExistingVersion: Sendable {
    var pk: Int64
    var version: Int64
    var revoked: Bool
    var createdByRef: String?
    var created: Int64?
}

/// The STIX 2.1 versioning rules that depend on what is already stored (section 3.6 of the
/// specification): a new version keeps `created` and `created_by_ref`, and nothing follows a
/// revocation.
enum VersionRules {
    /// Why `object` cannot be added as a new version beside `existing`, or nil when it can.
    static func conflict(of object: STIXObjectRecord, with existing: [ExistingVersion]) -> String? {
        guard !existing.isEmpty else { return nil }
        guard object.versionKey != nil else { return nil }
        let key = object.versionKey!
        if let revoked = existing.first(where: { $0.revoked && $0.version < key }) {
            return "object \(object.id) was revoked in version \(STIXTimestamp.format(microseconds: revoked.version)); no later version is accepted"
        }
        if let first = existing.first {
            if first.createdByRef != object.createdByRef {
                return "object \(object.id): created_by_ref differs from the stored versions; only the creator may version an object"
            }
            if let created = first.created, let newCreated = object.created, created != newCreated {
                return "object \(object.id): created differs from the stored versions (versions keep created)"
            }
        }
        return nil
    }
}
