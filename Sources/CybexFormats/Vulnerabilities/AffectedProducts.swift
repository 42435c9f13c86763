public import CybexCore

/// An inventory item as exposure matching reads it: the keys it is found by and its version.
public struct InventoryProduct: Sendable, Hashable {
    public let item: InventoryItem
    /// Folded names (``VulnerabilityFacts/key(_:)``): a CPE's vendor and product; a purl's last namespace
    /// segment and name.
    public let vendor: String
    public let product: String
    /// A purl's type and its whole package name folded (`@scope/name`, `group:artifact`, `host/path/name`).
    public let packageType: String?
    public let package: String?
    /// The version, when the item gives one.
    public let version: String?
    let cpe: CPEName?

    public init?(_ item: InventoryItem) {
        self.item = item
        switch item.kind {
        case .cpe:
            guard let name = try? CPEName(formattedString: item.value),
                case .value(let vendor) = name.vendor, case .value(let product) = name.product
            else { return nil }
            self.cpe = name
            self.vendor = VulnerabilityFacts.key(vendor.unquoted)
            self.product = VulnerabilityFacts.key(product.unquoted)
            self.packageType = nil
            self.package = nil
            if case .value(let version) = name.version, !version.hasWildcards {
                self.version = version.unquoted
            } else {
                self.version = nil
            }
        case .purl:
            guard let purl = try? PackageURL(parsing: item.value) else { return nil }
            self.cpe = nil
            self.vendor = VulnerabilityFacts.key(purl.namespace.last ?? "")
            self.product = VulnerabilityFacts.key(purl.name)
            self.packageType = purl.type
            self.package = VulnerabilityFacts.key((purl.namespace + [purl.name]).joined(separator: "/"))
            self.version = purl.version
        }
    }

    /// The vulnerability index's terms this item is found by (`product:KEY`).
    public var terms: [String] {
        var terms = ["product:" + product]
        if let package, package != product { terms.append("product:" + package) }
        return terms.filter { $0 != "product:" }
    }
}

/// One entry of a vulnerability's affected list (Cybex's CVE extension, docs/VULNERABILITIES.md) and the
/// CVE 5 version-status algorithm: the first entry of `versions` that matches a version decides (a range
/// `version` ≤ V < `less_than` or ≤ `less_than_or_equal`, its `changes` applied in order), else
/// `default_status`, else `unknown`.
public struct AffectedProduct: Sendable {
    public let vendor: String
    public let product: String
    public let package: String?
    public let packageType: String?
    /// The vendor and product keys of its CPEs.
    let cpeNames: [(String, String)]
    public let defaultStatus: String?
    let versions: [VersionEntry]

    struct VersionEntry: Sendable {
        var version: String
        var status: String
        var type: String?
        var lessThan: String?
        var lessThanOrEqual: String?
        var changes: [(at: String, status: String)]
    }

    /// The affected products of a stored vulnerability (its CVE extension), empty when it has none.
    public static func of(_ vulnerability: JSONValue) -> [AffectedProduct] {
        guard let list = vulnerability["extensions"]?[VulnerabilityFacts.cveExtensionID]?["affected"]?.arrayValue else {
            return []
        }
        return list.compactMap(AffectedProduct.init)
    }

    init?(_ entry: JSONValue) {
        vendor = VulnerabilityFacts.key(entry["vendor"]?.stringValue ?? "")
        product = VulnerabilityFacts.key(entry["product"]?.stringValue ?? "")
        package = entry["package_name"]?.stringValue.map(VulnerabilityFacts.key)
        packageType = entry["collection_url"]?.stringValue.flatMap(Self.packageType(collectionURL:))
        cpeNames = (entry["cpes"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(VulnerabilityFacts.cpeVendorAndProduct) }
        defaultStatus = entry["default_status"]?.stringValue
        versions = (entry["versions"]?.arrayValue ?? []).compactMap { value in
            guard let version = value["version"]?.stringValue, let status = value["status"]?.stringValue else { return nil }
            let changes = (value["changes"]?.arrayValue ?? []).compactMap { change -> (String, String)? in
                guard let at = change["at"]?.stringValue, let status = change["status"]?.stringValue else { return nil }
                return (at, status)
            }
            return VersionEntry(
                version: version, status: status, type: value["version_type"]?.stringValue,
                lessThan: value["less_than"]?.stringValue, lessThanOrEqual: value["less_than_or_equal"]?.stringValue,
                changes: changes)
        }
        if vendor.isEmpty && product.isEmpty && package == nil && cpeNames.isEmpty { return nil }
    }

    /// The purl type of a package collection's URL (`https://registry.npmjs.org` is npm); nil when unknown.
    public static func packageType(collectionURL: String) -> String? {
        var host = collectionURL.lowercased()
        for scheme in ["https://", "http://"] where host.hasPrefix(scheme) { host.removeFirst(scheme.count) }
        host = String(host.prefix { $0 != "/" && $0 != ":" })
        if host.hasPrefix("www.") { host.removeFirst(4) }
        switch host {
        case "registry.npmjs.org", "npmjs.com", "registry.yarnpkg.com": return "npm"
        case "pypi.org", "pypi.python.org", "files.pythonhosted.org": return "pypi"
        case "rubygems.org": return "gem"
        case "repo.maven.apache.org", "repo1.maven.org", "search.maven.org", "central.sonatype.com": return "maven"
        case "crates.io": return "cargo"
        case "proxy.golang.org", "pkg.go.dev", "go.dev": return "golang"
        case "packagist.org", "repo.packagist.org": return "composer"
        case "nuget.org", "api.nuget.org": return "nuget"
        case "hex.pm": return "hex"
        case "pub.dev": return "pub"
        case "cocoapods.org": return "cocoapods"
        case "hackage.haskell.org": return "hackage"
        case "cran.r-project.org": return "cran"
        case "github.com": return "github"
        default: return nil
        }
    }

    /// The product keys of its CPEs.
    public var cpeProducts: [String] { cpeNames.map(\.1) }

    /// Whether this entry names `item`: a CPE item by vendor and product (the entry's own or one of its
    /// CPEs'); a purl item by its package (and a package collection of its type, when the entry's
    /// collection is one Cybex knows) or by vendor and product.
    public func names(_ item: InventoryProduct) -> Bool {
        if let itemPackage = item.package {
            if let package, package == itemPackage, packageType == nil || packageType == item.packageType { return true }
        }
        guard !item.vendor.isEmpty, !item.product.isEmpty else { return false }
        if vendor == item.vendor && product == item.product { return true }
        return cpeNames.contains { $0.0 == item.vendor && $0.1 == item.product }
    }

    /// The status of `version` (nil: the item's version is not known) and the rule that decided it.
    public func status(of version: String?) -> (status: String, reason: String) {
        guard let version else {
            // Without a version: affected when every version is, unaffected when none is, else unknown.
            let statuses = Set(versions.flatMap { [$0.status] + $0.changes.map(\.status) } + [defaultStatus ?? "unknown"])
            if statuses == ["affected"] { return ("affected", "every version is affected") }
            if statuses == ["unaffected"] { return ("unaffected", "no version is affected") }
            return ("unknown", "the item gives no version")
        }
        for entry in versions {
            if entry.lessThan == nil && entry.lessThanOrEqual == nil {
                let same =
                    entry.version == version
                    || (entry.type.map { Self.order(of: $0)?.compare(entry.version, version) == .orderedSame } ?? false)
                if same { return (entry.status, "version \(entry.version) is \(entry.status)") }
                continue
            }
            guard let type = entry.type, let order = Self.order(of: type) else {
                // An order Cybex cannot run (git, hg …): only the range's own start is decided.
                if entry.version == version { return (entry.status, "version \(entry.version) is \(entry.status)") }
                continue
            }
            let lower = entry.version == "0" ? nil : entry.version
            if let lower, order.compare(version, lower) == .orderedAscending { continue }
            let upper = entry.lessThan ?? entry.lessThanOrEqual ?? "*"
            if !Self.below(version, upper, inclusive: entry.lessThan == nil, order: order) { continue }
            var status = entry.status
            for change in entry.changes.sorted(by: { order.compare($0.at, $1.at) == .orderedAscending })
            where order.compare(change.at, version) != .orderedDescending {
                status = change.status
            }
            let bound = entry.lessThan.map { "< \($0)" } ?? "<= \(upper)"
            return (status, "\(type) range \(entry.version) to \(bound): \(status)")
        }
        let status = defaultStatus ?? "unknown"
        return (status, "default status \(status)")
    }

    /// Whether `version` is below `bound`: `*` is no bound; `2.*` bounds the whole 2 series (the version
    /// cut to the bound's length of dot-separated parts is at or below `2`).
    static func below(_ version: String, _ bound: String, inclusive: Bool, order: VersionOrder) -> Bool {
        if bound == "*" { return true }
        if bound.hasSuffix("*") {
            var prefix = String(bound.dropLast())
            while prefix.hasSuffix(".") || prefix.hasSuffix("-") { prefix.removeLast() }
            if prefix.isEmpty { return true }
            let parts = prefix.split(separator: ".", omittingEmptySubsequences: false).count
            let cut = version.split(separator: ".", omittingEmptySubsequences: false).prefix(parts).joined(separator: ".")
            return order.compare(cut, prefix) != .orderedDescending
        }
        let ordering = order.compare(version, bound)
        return ordering == .orderedAscending || (inclusive && ordering == .orderedSame)
    }

    /// The order a CVE `versionType` names: `semver`, `rpm`, `deb`/`debian`, `intdot` as their
    /// specifications define; `custom`, `maven`, `python` and other named types by RPM's segment-wise
    /// comparison (runs of digits compared as numbers, runs of letters as text), which orders the dotted
    /// versions these records mostly hold; nil for source-control types (`git`, `hg`, `svn`), whose
    /// order is a commit graph Cybex does not have.
    static func order(of type: String) -> VersionOrder? {
        switch type.lowercased() {
        case "git", "hg", "svn", "bzr", "fossil": return nil
        case "deb", "debian", "dpkg": return .debian
        default: return VersionOrder(type: type.lowercased()) ?? .rpm
        }
    }
}
