// The audit log as every path reads it: a search, a row with its chain columns, the result of
// verifying the chain.

/// A search of the audit log: every condition given must hold. Entries come newest first; `before`
/// pages back through them (the `seq` of the oldest entry of the previous page).
public struct AuditQuery: Sendable, Hashable {
    /// Exactly this actor (a username, `cli`, `retention`, …).
    public var actor: String?
    /// Exactly this action (`user.create`), or a family when it ends in `.*` (`auth.*`).
    public var action: String?
    /// Exactly this target (a collection id, `sha256:…`, …).
    public var target: String?
    /// Entries at or after this time (microseconds since the epoch).
    public var since: Int64?
    /// Entries before this time.
    public var until: Int64?
    /// Entries with a `seq` below this one.
    public var before: Int64?
    public var limit: Int

    public init(
        actor: String? = nil, action: String? = nil, target: String? = nil, since: Int64? = nil, until: Int64? = nil,
        before: Int64? = nil, limit: Int = 100
    ) {
        self.actor = actor
        self.action = action
        self.target = target
        self.since = since
        self.until = until
        self.before = before
        self.limit = limit
    }
}

/// One audit log row with its chain columns (nil where the stored value is NULL).
public struct AuditEntry: Sendable, Hashable {
    public var seq: Int64
    public var event: AuditEvent
    public var prevHash: String?
    public var hash: String?

    public init(seq: Int64, event: AuditEvent, prevHash: String?, hash: String?) {
        self.seq = seq
        self.event = event
        self.prevHash = prevHash
        self.hash = hash
    }
}

/// The result of a store's `verifyAuditChain()`.
public struct AuditVerification: Sendable, Hashable {
    /// How many entries were found intact (all of them when ``failure`` is nil).
    public var entries: Int
    /// The hash of the newest entry checked: the chain head when the log is intact. Worth
    /// recording outside the database: a chain rewritten before that entry no longer contains it.
    public var headHash: String
    /// The first break in the chain; nil when the log is intact.
    public var failure: AuditChainBreak?
    /// Every break found, in `seq` order (the first is ``failure``): verification goes on after a
    /// break, so a later edit is reported even when an earlier entry is already broken.
    public var failures: [AuditChainBreak]

    /// Whether the whole log verified.
    public var isIntact: Bool { failure == nil }

    public init(entries: Int, headHash: String, failure: AuditChainBreak?, failures: [AuditChainBreak]? = nil) {
        self.entries = entries
        self.headHash = headHash
        self.failure = failure
        self.failures = failures ?? (failure.map { [$0] } ?? [])
    }
}

/// Where and why the audit chain is broken.
public struct AuditChainBreak: Sendable, Hashable, CustomStringConvertible {
    /// Why an entry does not verify.
    public enum Reason: Sendable, Hashable {
        /// The entry's fields do not hash to its stored `hash`: it was edited.
        case hashMismatch
        /// The entry's `prev_hash` is not the previous entry's `hash`: an entry before it was
        /// edited and re-hashed, or replaced.
        case prevHashMismatch
        /// The entry expected at this `seq` is missing; the next one stored has `seq` `found`.
        case gap(found: Int64)
        /// The entries from this `seq` to `headSeq`, the newest recorded in `audit_head`, are missing.
        case truncated(headSeq: Int64)
        /// The last entry's hash differs from the one recorded in `audit_head`.
        case headMismatch
        /// Entries exist after the one recorded in `audit_head`: written around the store.
        case beyondHead
        /// The `audit_head` record itself is missing.
        case headMissing
    }

    /// The first `seq` that does not verify.
    public var seq: Int64
    public var reason: Reason

    public init(seq: Int64, reason: Reason) {
        self.seq = seq
        self.reason = reason
    }

    /// The reason, in words.
    public var description: String {
        switch reason {
        case .hashMismatch: "hash mismatch (the entry was altered)"
        case .prevHashMismatch: "prev_hash mismatch (the entry before it was altered or replaced)"
        case .gap(let found): "gap in seq (entry missing; the next stored entry is \(found))"
        case .truncated(let headSeq): "gap in seq (entries up to \(headSeq), the recorded head, are missing)"
        case .headMismatch: "hash mismatch with the recorded chain head (the entry was altered or replaced)"
        case .beyondHead: "entry after the recorded chain head (written around cybex)"
        case .headMissing: "the recorded chain head is missing"
        }
    }
}
