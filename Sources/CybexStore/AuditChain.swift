import Crypto
public import CybexCore

/// The hash chain that makes the audit log tamper-evident, shared by both stores.
///
/// Entry `n` (its `seq`, from 1 without gaps) stores `prev_hash`, the `hash` of entry `n - 1`
/// (``genesis`` for entry 1), and
///
///     hash = SHA-256(prev_hash || canonical(seq, time, actor, action, target, detail))
///
/// as lower-case hex. `prev_hash` enters as its 64 ASCII hex characters; the canonical encoding
/// is `seq` and `time` as 8-byte big-endian integers, then each text field as an 8-byte
/// big-endian byte count followed by its UTF-8 bytes, so no two different entries encode alike.
///
/// Each store also keeps the newest entry's `seq` and `hash` in the one-row `audit_head` table,
/// written in the same transaction as the entry. Appends take `prev_hash` from that row (locked
/// `FOR UPDATE` on PostgreSQL, so appends from several processes serialise and the chain never
/// forks), and verification compares the last entry with it, so deleting the newest entries is
/// detected too. Someone who can write the database can still rebuild the whole chain and the
/// head: the chain proves integrity against edits and deletions, not against a full rewrite —
/// record the head hash elsewhere (``AuditVerification/headHash``) for that.
public enum AuditChain {
    /// The `prev_hash` of the first entry: 64 zeros.
    public static let genesis = String(repeating: "0", count: 64)
    /// The schema migration that added the chain. Entries written before it are chained (in
    /// `seq` order, renumbered from 1 to close any gaps) by that migration, in its transaction.
    static let schemaVersion = 2
    /// Entries read per query while verifying or chaining existing entries.
    static let pageSize = 1000

    /// The hash of an entry at `seq` whose predecessor's hash is `previous`.
    public static func hash(previous: String, seq: Int64, event: AuditEvent) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(previous.utf8))
        hasher.update(data: canonicalEncoding(seq: seq, event: event))
        return hex(hasher.finalize())
    }

    /// The unambiguous byte encoding of an entry's fields (fixed-width integers, length-prefixed text).
    static func canonicalEncoding(seq: Int64, event: AuditEvent) -> [UInt8] {
        var bytes: [UInt8] = []
        let fields = [event.actor, event.action, event.target, event.detail]
        bytes.reserveCapacity(16 + fields.reduce(0) { $0 + 8 + $1.utf8.count })
        append(UInt64(bitPattern: seq), to: &bytes)
        append(UInt64(bitPattern: event.time), to: &bytes)
        for field in fields {
            append(UInt64(field.utf8.count), to: &bytes)
            bytes.append(contentsOf: field.utf8)
        }
        return bytes
    }

    /// The entry that follows `head`, its text made storable first (``storable(_:)``): the entry
    /// the store writes is exactly the one hashed.
    /// `asStored`: the event's text is already stored and is hashed as it is (migration 2 chaining
    /// existing rows).
    static func entry(after head: AuditHead, _ event: AuditEvent, asStored: Bool = false) -> AuditEntry {
        let seq = head.seq + 1
        let event = asStored ? event : storable(event)
        return AuditEntry(
            seq: seq, event: event, prevHash: head.hash, hash: hash(previous: head.hash, seq: seq, event: event))
    }

    /// `event` with every control character of its text other than tab and line breaks written as
    /// `\uXXXX` (``ControlCharacters/escaped(_:allowing:)``). Both stores keep such text whole (a NUL
    /// would be cut short by SQLite's C string binding and refused by PostgreSQL), so the text hashed
    /// and the text stored are the same bytes, and an actor such as `"u1\u{0}x"` can never be
    /// recorded as `"u1"`.
    public static func storable(_ event: AuditEvent) -> AuditEvent {
        var event = event
        event.actor = ControlCharacters.escaped(event.actor, allowing: ControlCharacters.layout)
        event.action = ControlCharacters.escaped(event.action, allowing: ControlCharacters.layout)
        event.target = ControlCharacters.escaped(event.target, allowing: ControlCharacters.layout)
        event.detail = ControlCharacters.escaped(event.detail, allowing: ControlCharacters.layout)
        return event
    }

    /// Checks the stored chain: reads `head` (with the highest stored `seq`, in one snapshot),
    /// then the entries up to the head's `seq` in pages from `page(after, limit)`, which returns
    /// entries with `seq > after` and `seq <= head.seq`, ascending. Entries appended meanwhile
    /// are beyond the head read first and left for the next verification.
    static func verify(
        head: AuditHead?, highestSeq: Int64?,
        page: (_ after: Int64, _ through: Int64, _ limit: Int) async throws -> [AuditEntry]
    ) async throws -> AuditVerification {
        let through = head?.seq ?? highestSeq ?? 0
        var previous = AuditHead.genesis
        var breaks: [AuditChainBreak] = []
        // What the first break leaves intact: the entries before it and the hash of the last of them.
        var intact: (entries: Int, headHash: String)?
        var count = 0
        var after = Int64.min
        func record(_ found: AuditChainBreak) {
            if intact == nil { intact = (count, previous.hash) }
            breaks.append(found)
        }
        while true {
            let entries = try await page(after, through, pageSize)
            for entry in entries {
                // Every break is reported: after one, checking goes on from the entry as stored.
                for reason in problems(entry, after: previous) {
                    record(AuditChainBreak(seq: reason.isGap ? previous.seq + 1 : entry.seq, reason: reason))
                }
                if intact == nil { count += 1 }
                previous = AuditHead(seq: entry.seq, hash: entry.hash ?? "")
                after = entry.seq
            }
            if entries.count < pageSize { break }
        }
        if let head {
            if previous.seq < head.seq {
                record(AuditChainBreak(seq: previous.seq + 1, reason: .truncated(headSeq: head.seq)))
            } else if previous.hash != head.hash {
                record(AuditChainBreak(seq: head.seq, reason: .headMismatch))
            }
            if let highestSeq, highestSeq > head.seq {
                record(AuditChainBreak(seq: head.seq + 1, reason: .beyondHead))
            }
        } else {
            record(AuditChainBreak(seq: previous.seq + 1, reason: .headMissing))
        }
        guard let intact, let first = breaks.first else {
            return AuditVerification(entries: count, headHash: head?.hash ?? previous.hash, failure: nil)
        }
        // The entries before the first broken seq verified (seq runs 1, 2, 3… up to there).
        return AuditVerification(
            entries: min(intact.entries, Int(first.seq) - 1), headHash: intact.headHash, failure: first, failures: breaks)
    }

    /// Everything wrong with `entry` following `previous`: a gap before it (then its `prev_hash`
    /// cannot be judged), a `prev_hash` that is not the previous entry's hash, a hash its fields do
    /// not give.
    static func problems(_ entry: AuditEntry, after previous: AuditHead) -> [AuditChainBreak.Reason] {
        var reasons: [AuditChainBreak.Reason] = []
        if entry.seq != previous.seq + 1 {
            reasons.append(.gap(found: entry.seq))
        } else if entry.prevHash != previous.hash {
            reasons.append(.prevHashMismatch)
        }
        if entry.hash != hash(previous: entry.prevHash ?? "", seq: entry.seq, event: entry.event) {
            reasons.append(.hashMismatch)
        }
        return reasons
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// The newest entry of the chain as recorded in `audit_head`: its `seq` and `hash`.
struct AuditHead: Sendable, Hashable {
    var seq: Int64
    var hash: String

    /// The head of an empty log.
    static let genesis = AuditHead(seq: 0, hash: AuditChain.genesis)
}

extension AuditChainBreak.Reason {
    /// Whether this is a missing entry (reported at the missing `seq`).
    var isGap: Bool {
        if case .gap = self { return true }
        return false
    }
}
