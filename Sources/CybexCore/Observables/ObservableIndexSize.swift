/// How many rows the index of distinct observables holds: one per distinct value, one per distinct
/// set of values that object versions carry, and one posting per value of each set.
public struct ObservableIndexSize: Sendable, Hashable {
    public var values: Int
    public var sets: Int
    public var postings: Int

    public init(values: Int, sets: Int, postings: Int) {
        self.values = values
        self.sets = sets
        self.postings = postings
    }
}
