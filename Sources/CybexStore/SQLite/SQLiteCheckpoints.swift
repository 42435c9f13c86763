import GRDB
import GRDBSQLite
import Synchronization

/// When the WAL is copied back into the database: after a commit that left it long, as a passive
/// checkpoint queued on the writer, instead of inside the commit as SQLite's automatic checkpoint
/// does.
///
/// The automatic checkpoint runs in the `COMMIT` of the transaction that crosses its threshold,
/// so the caller waits for the copy (about 0.4 s after a feed pull of 100,000 values) before it
/// can read what it wrote. Queued behind the commit, the copy runs on the writer's connection
/// while readers go on (a passive checkpoint never waits for them), and the next write waits for
/// it as it waited for the automatic one. ``SQLiteStore/close()`` still truncates the WAL.
final class SQLiteCheckpoints: Sendable {
    /// WAL frames (pages) past which a commit queues a checkpoint by default: about 40 MB instead
    /// of SQLite's 4 MB. A 1,000-object bundle dirties about 8 MB of index pages, so this
    /// checkpoints every few bundles, not every bundle (measured when it was SQLite's automatic
    /// checkpoint: TAXII POST of the 100k corpus 16k -> 20k objects/s).
    static let threshold: Int32 = 10_000

    let threshold: Int32

    init(threshold: Int32) {
        self.threshold = threshold
    }

    /// The frames in the WAL after the writer's last commit (SQLite's WAL hook).
    let frames = Atomic<Int32>(0)
    /// A checkpoint is queued and has not run yet.
    let queued = Atomic<Bool>(false)

    /// Replaces SQLite's automatic checkpoint on the writer's connection with the WAL hook that
    /// counts the frames after each commit. `PRAGMA wal_autocheckpoint` would install SQLite's
    /// own hook in place of this one: the store never sets it.
    func install(on db: Database) {
        sqlite3_wal_hook(
            db.sqliteConnection,
            { context, _, _, frames in
                guard let context else { return SQLITE_OK }
                Unmanaged<SQLiteCheckpoints>.fromOpaque(context).takeUnretainedValue().frames.store(
                    frames, ordering: .relaxed)
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Queues a passive checkpoint on `pool`'s writer when the last commit left the WAL past the
    /// threshold and none is queued yet.
    func afterWrite(on pool: DatabasePool) {
        guard frames.load(ordering: .relaxed) >= threshold,
            !queued.exchange(true, ordering: .acquiringAndReleasing)
        else { return }
        pool.asyncWriteWithoutTransaction { [self] db in
            _ = try? db.checkpoint(.passive)
            frames.store(0, ordering: .relaxed)
            queued.store(false, ordering: .releasing)
        }
    }
}
