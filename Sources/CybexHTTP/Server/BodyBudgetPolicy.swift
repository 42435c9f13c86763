/// How much memory request bodies may hold at once (`cybex serve --body-memory-mib`,
/// `--body-memory-per-user-mib`, `--body-wait-seconds`; SECURITY.md, "Request body memory").
///
/// A request that reads a body first reserves what reading and processing it will hold: its
/// `Content-Length` (`maxContentLength` when the length is not declared) times a cost factor,
/// because parsing and validating a document holds more than its bytes (BENCHMARKS.md, "Memory
/// under concurrent large posts"). The reservation is held until the handler has answered. When
/// there is no room, the request waits up to `wait` for it, then is refused with `Retry-After`:
/// 429 when the user's own share is full, 503 when the server's is.
///
/// A single request costing more than a share is admitted only when it is alone in that share,
/// so that every body up to `max_content_length` can be posted.
public struct BodyBudgetPolicy: Sendable, Equatable {
    /// What all bodies in flight may cost together, in bytes.
    public var totalBytes: Int
    /// What the bodies in flight of one user may cost together, in bytes.
    public var perUserBytes: Int
    /// How long a request waits for room before it is refused; zero refuses at once.
    public var wait: Duration
    /// The `Retry-After` of a refusal, in seconds.
    public var retryAfterSeconds: Int
    /// What a TAXII envelope costs per byte while it is read, validated and stored.
    public var envelopeCostFactor: Double
    /// What a REST JSON body costs per byte: it is parsed into a tree of values first.
    public var jsonCostFactor: Double
    /// Whether the C allocator's free memory is handed back to the system once large bodies are
    /// done and none is in flight (``AllocatorTrim``; `cybex serve --no-malloc-trim` turns it off).
    public var trimsAllocator: Bool

    /// Measured on the 60 MB benchmark envelope (BENCHMARKS.md): one post added 248 MiB to the peak RSS (4.3 times its size).
    public static let measuredEnvelopeCostFactor = 4.5
    /// Measured on a 60 MB REST post of the same objects: 387 MiB (6.8 times).
    public static let measuredJSONCostFactor = 7.0

    /// 384 MiB for the server, 192 MiB per user, 10 s of waiting, retry after 5 s: one envelope of
    /// `max_content_length` (64 MiB, costing 288 MiB) at a time, with room left for small bodies.
    public static let standard = BodyBudgetPolicy()

    public init(
        totalBytes: Int = 384 << 20, perUserBytes: Int = 192 << 20, wait: Duration = .seconds(10),
        retryAfterSeconds: Int = 5, envelopeCostFactor: Double = Self.measuredEnvelopeCostFactor,
        jsonCostFactor: Double = Self.measuredJSONCostFactor, trimsAllocator: Bool = true
    ) {
        self.trimsAllocator = trimsAllocator
        self.totalBytes = totalBytes
        self.perUserBytes = perUserBytes
        self.wait = wait
        self.retryAfterSeconds = retryAfterSeconds
        self.envelopeCostFactor = envelopeCostFactor
        self.jsonCostFactor = jsonCostFactor
    }
}
