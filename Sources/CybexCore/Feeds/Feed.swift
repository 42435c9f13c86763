/// A feed the node pulls on a schedule (issue 15 item 6): where it is, what format, whose objects it
/// makes and where they go, and how to read it.
public struct Feed: Sendable, Hashable {
    public enum Format: String, Sendable, Hashable, Codable, CaseIterable {
        /// Delimited text: one value a row, in a column the settings name (botnet C2, spam sources,
        /// phishing URLs, scanners …).
        case csv
        /// One value a line, `#` comments.
        case list
        /// The MISP feed format: `manifest.json` and one `<uuid>.json` event file each.
        case misp
        /// A TAXII 2.1 collection, pulled by `added_after`.
        case taxii
        /// A CSAF 2.0 provider, followed through its `provider-metadata.json` (the aggregator mode).
        case csaf
    }

    public var id: String
    public var name: String
    public var format: Format
    /// `http(s)://…`: the file (csv, list), the folder holding `manifest.json` (misp), the API root
    /// (taxii), the provider's `provider-metadata.json` (csaf).
    public var url: String
    /// The organisation that owns the objects the feed makes.
    public var ownerID: String
    /// The collection they are stored in.
    public var collectionID: String
    public var settings: FeedSettings
    public var enabled: Bool
    /// When it was added (microseconds).
    public var created: Int64

    public init(
        id: String, name: String, format: Format, url: String, ownerID: String, collectionID: String,
        settings: FeedSettings, enabled: Bool = true, created: Int64
    ) {
        self.id = id
        self.name = name
        self.format = format
        self.url = url
        self.ownerID = ownerID
        self.collectionID = collectionID
        self.settings = settings
        self.enabled = enabled
        self.created = created
    }
}

/// How a feed is read and what its objects carry.
public struct FeedSettings: Sendable, Hashable, Codable {
    /// The TLP level of the objects it makes.
    public var tlp: TLPLevel
    /// STIX `confidence` (0–100) of its indicators; nil for none.
    public var confidence: Int?
    /// STIX `labels` of its indicators.
    public var labels: [String]
    /// csv: the column holding the value, by 1-based number or header name (default 1).
    public var column: String
    /// csv and list: the kind of every value; nil to infer it from each value.
    public var kind: String?
    /// csv: the field delimiter (`,`, `;`, tab, `|`).
    public var delimiter: String
    /// csv: whether the first row names the columns.
    public var header: Bool
    /// How often it is pulled, in seconds.
    public var intervalSeconds: Int
    /// taxii: the collection id on the server.
    public var taxiiCollection: String?
    /// taxii: `user:password` sent as HTTP Basic (kept as given; the store is the operator's).
    public var credentials: String?

    public init(
        tlp: TLPLevel = .green, confidence: Int? = nil, labels: [String] = [], column: String = "1", kind: String? = nil,
        delimiter: String = ",", header: Bool = false, intervalSeconds: Int = 3_600, taxiiCollection: String? = nil,
        credentials: String? = nil
    ) {
        self.tlp = tlp
        self.confidence = confidence
        self.labels = labels
        self.column = column
        self.kind = kind
        self.delimiter = delimiter
        self.header = header
        self.intervalSeconds = intervalSeconds
        self.taxiiCollection = taxiiCollection
        self.credentials = credentials
    }
}

/// A feed's health and the state its next pull starts from.
public struct FeedState: Sendable, Hashable, Codable {
    /// When it was last pulled, and last pulled without error (microseconds).
    public var lastPull: Int64?
    public var lastSuccess: Int64?
    /// The last pull's error, nil after a success.
    public var lastError: String?
    /// Failures since the last success: the back-off doubles the interval with each.
    public var failures: Int
    /// When it is next due (microseconds).
    public var nextDue: Int64
    /// The validators of the last answer, sent back (`If-None-Match`, `If-Modified-Since`).
    public var etag: String?
    public var lastModified: String?
    /// taxii: the `added_after` to resume from (the last page's `X-TAXII-Date-Added-Last`).
    public var cursor: String?
    /// misp: each event's `timestamp` as last imported.
    public var events: [String: Int64]
    /// What the last successful pull read and stored.
    public var lastValues: Int
    public var lastAdded: Int
    public var pulls: Int

    public init(
        lastPull: Int64? = nil, lastSuccess: Int64? = nil, lastError: String? = nil, failures: Int = 0, nextDue: Int64 = 0,
        etag: String? = nil, lastModified: String? = nil, cursor: String? = nil, events: [String: Int64] = [:],
        lastValues: Int = 0, lastAdded: Int = 0, pulls: Int = 0
    ) {
        self.lastPull = lastPull
        self.lastSuccess = lastSuccess
        self.lastError = lastError
        self.failures = failures
        self.nextDue = nextDue
        self.etag = etag
        self.lastModified = lastModified
        self.cursor = cursor
        self.events = events
        self.lastValues = lastValues
        self.lastAdded = lastAdded
        self.pulls = pulls
    }

    /// Whether the last pull failed.
    public var isFailing: Bool { lastError != nil }
}

/// How often a feed's value was seen, the state of its one sighting.
public struct FeedSighting: Sendable, Hashable {
    public var indicatorID: String
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var count: Int

    public init(indicatorID: String, firstSeen: Int64, lastSeen: Int64, count: Int) {
        self.indicatorID = indicatorID
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.count = count
    }
}
