import Synchronization

/// Counts the server's open connections against ``ConnectionLimits/maxConnections``.
final class OpenConnections: Sendable {
    let maximum: Int
    private let count = Atomic<Int>(0)

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Connections open now.
    var current: Int { count.load(ordering: .relaxed) }

    /// Counts a new connection in; false (and not counted) when the maximum is reached.
    func open() -> Bool {
        var current = count.load(ordering: .relaxed)
        while current < maximum {
            let (exchanged, original) = count.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Counts a connection out.
    func close() {
        count.subtract(1, ordering: .relaxed)
    }
}
