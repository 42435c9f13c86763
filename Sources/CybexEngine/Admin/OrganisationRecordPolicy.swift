public import CybexCore

/// Who may read and change the records that belong to an organisation but are not STIX objects —
/// its profile and contacts today; its networks, inventories and case state to come (SECURITY.md,
/// "Records of an organisation"). The sharing policy does not apply to them: they carry no TLP
/// marking and are never shared onward.
///
/// | principal | reads | writes |
/// |---|---|---|
/// | a node administrator (`admin` role) | every organisation's | every organisation's |
/// | a user of the organisation, role `analyst` | its own | its own |
/// | a user of the organisation, any other role | its own | — |
/// | a user of an ancestor organisation (a coordinator: the national CIRT above an ISP), any role | its constituents', at any depth | — |
/// | anyone else, and requests without credentials | — | — |
///
/// What a principal may not read is answered as absent (404); what it may read but not write is
/// refused (403).
public enum OrganisationRecordPolicy {
    /// The roles whose users change their own organisation's records: `analyst`. A `contributor`
    /// submits objects and a `sync` account is a machine peer: neither administers its organisation;
    /// a `reader` never writes.
    public static let writingRoles: Set<Role> = [.analyst]

    /// What `principal` may do with the records of organisation `organisationID`, given the parent
    /// links of `directory`. Safe on a malformed graph with a cycle.
    public static func access(of principal: Principal, to organisationID: String, in directory: SharingDirectory)
        -> OrganisationRecordAccess
    {
        guard !principal.isAnonymous, !principal.user.disabled, !organisationID.isEmpty else { return .none }
        if principal.user.role == .admin { return .readWrite }
        let own = principal.organisation.id
        guard !own.isEmpty else { return .none }
        if organisationID == own { return writingRoles.contains(principal.user.role) ? .readWrite : .read }
        if directory.isConstituent(organisationID, of: own) { return .read }
        return .none
    }
}

/// What a principal may do with an organisation's records.
public enum OrganisationRecordAccess: Sendable, Hashable {
    /// Nothing: the records, and the organisation, are answered as absent.
    case none
    /// Read them.
    case read
    /// Read and replace them.
    case readWrite

    public var mayRead: Bool { self != .none }
    public var mayWrite: Bool { self == .readWrite }
}
