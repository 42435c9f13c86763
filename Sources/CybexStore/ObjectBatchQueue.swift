public import CybexCore
import Foundation

/// Batches of records handed from a decoding thread to the store's writer, so that decoding and
/// writing one large bundle overlap on two cores while the whole bundle still commits in one
/// transaction. Bounded: the producer waits when the writer is `capacity` batches behind.
///
/// Each batch's JSON is put in its stored form (``StoredJSON``) by whichever side has time for
/// it: the writer, when it has already taken every batch given so far (the decoding is the slower
/// side), otherwise the producer.
public final class ObjectBatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [(records: [STIXObjectRecord], stored: Bool)] = []
    private var finished = false
    private var cancelled = false
    private let capacity: Int

    public init(capacity: Int = 4) {
        self.capacity = capacity
    }

    /// Adds a batch; waits while the queue is full. Does nothing once cancelled. The batch's JSON
    /// is put in its stored form here when batches are waiting for the writer.
    public func push(_ batch: [STIXObjectRecord]) {
        condition.lock()
        let writerWaits = batches.isEmpty
        condition.unlock()
        let item = writerWaits ? (records: batch, stored: false) : (records: StoredJSON.encoding(batch), stored: true)
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return }
        batches.append(item)
        condition.broadcast()
    }

    /// No more batches will come.
    public func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The consumer gave up (its transaction failed): wake and release the producer.
    public func cancel() {
        condition.lock()
        cancelled = true
        finished = true
        batches.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, its JSON in stored form, waiting for it; nil when the producer has finished
    /// and all were taken.
    public func next() -> [STIXObjectRecord]? {
        condition.lock()
        while batches.isEmpty && !finished { condition.wait() }
        guard !batches.isEmpty else {
            condition.unlock()
            return nil
        }
        let batch = batches.removeFirst()
        condition.broadcast()
        condition.unlock()
        return batch.stored ? batch.records : StoredJSON.encoding(batch.records)
    }
}
