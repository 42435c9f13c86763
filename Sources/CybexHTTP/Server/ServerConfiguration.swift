public import CybexCore
public import CybexEngine

/// How `cybex serve` runs.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// PEM certificate chain and private key; TLS is served directly when both are set.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// The largest request body accepted, in bytes (TAXII `max_content_length`).
    public var maxContentLength: Int
    /// The name (path segment) of the TAXII API root.
    public var apiRoot: String
    /// The externally visible base URL (e.g. `https://cti.example.org`) when behind a reverse proxy;
    /// otherwise URLs are derived from the request's Host header.
    public var publicURL: String?
    /// Records per page when the client gives no `limit`, and the most it may ask for.
    public var defaultPageSize: Int
    public var maxPageSize: Int
    /// When failed sign-ins lock an account or a client address out (SECURITY.md).
    public var loginThrottle: LoginThrottlePolicy
    /// IP addresses of reverse proxies whose `X-Forwarded-For` is believed when they are the TCP
    /// peer (SECURITY.md, "Login throttling"); empty: the header is ignored.
    public var trustedProxies: [String]
    /// Whether TAXII GET requests without credentials are served, as ``Principal/anonymous``: they
    /// see the public collections' TLP:CLEAR objects and nothing else (SECURITY.md).
    public var anonymousReads: Bool
    /// The memory request bodies in flight may hold, server-wide and per user (SECURITY.md).
    public var bodyBudget: BodyBudgetPolicy
    /// Header and idle timeouts and the most open connections (SECURITY.md).
    public var connectionLimits: ConnectionLimits
    /// The DNS name the node issues IODEF incident ids under (cases, IODEF exports); nil: the host of
    /// `publicURL`, else of the request.
    public var nodeName: String?
    /// The clock incident cases and their SLA timers read (a settable one in tests).
    public var clock: any WallClock = SystemWallClock()
    /// How RID messages leave this node (`serve --rid-port`); nil when it runs without RID.
    public var ridTransport: (any RIDTransport)?
    /// CSAF provider mode (`serve --csaf-publisher-name`): who publishes; nil when the node publishes no CSAF.
    public var csafPublisher: CSAFProvider.Publisher?
    /// Whether TLP:WHITE CSAF documents are served without credentials (`serve --csaf-anonymous`), apart from
    /// ``anonymousReads`` (TAXII's switch).
    public var csafAnonymous = false

    public init(
        host: String = "127.0.0.1", port: Int = 8080, tlsCertificatePath: String? = nil, tlsKeyPath: String? = nil,
        maxContentLength: Int = 64 << 20, apiRoot: String = "cybex", publicURL: String? = nil, defaultPageSize: Int = 1000,
        maxPageSize: Int = 10_000, loginThrottle: LoginThrottlePolicy = .standard, trustedProxies: [String] = [],
        anonymousReads: Bool = false, bodyBudget: BodyBudgetPolicy = .standard, connectionLimits: ConnectionLimits = .standard
    ) {
        self.bodyBudget = bodyBudget
        self.connectionLimits = connectionLimits
        self.anonymousReads = anonymousReads
        self.loginThrottle = loginThrottle
        self.trustedProxies = trustedProxies
        self.host = host
        self.port = port
        self.tlsCertificatePath = tlsCertificatePath
        self.tlsKeyPath = tlsKeyPath
        self.maxContentLength = maxContentLength
        self.apiRoot = apiRoot
        self.publicURL = publicURL
        self.defaultPageSize = defaultPageSize
        self.maxPageSize = maxPageSize
    }

    var usesTLS: Bool { tlsCertificatePath != nil && tlsKeyPath != nil }
}
