/// A registered type's rules, as its definition in the purl specification's type registry states them
/// (`types/*-definition.json`): whether the namespace is required or prohibited, which components are
/// case-insensitive (and so lower-cased), the characters a name or version may hold, the normalisation
/// of names, and the qualifiers a type requires.
struct PackageURLTypeRule: Sendable {
    enum Namespace: Sendable { case required, optional, prohibited }
    enum Name: Sendable {
        /// Kept as given.
        case plain
        /// pypi: `_` becomes `-`.
        case pypi
        /// pub: every character but `a-z 0-9 _` becomes `_` (after lower-casing).
        case pub
        /// hackage: kebab-case, `_` becomes `-`.
        case hackage
        /// chrome-extension: the extension id, 32 letters `a` to `p`.
        case chromeExtension
        /// cpan: a distribution name, never a module name with `::`.
        case cpan
        /// mlflow: lower-cased when the model lives in Databricks (its `repository_url`).
        case mlflow
        /// git: the repository's path on its host, which may hold `/`; the namespace is the host alone.
        case git
    }

    let namespace: Namespace
    var foldsNamespace = false
    var foldsName = false
    var foldsVersion = false
    var foldsSubpath = false
    var name: Name = .plain
    var requiredQualifiers: [String] = []

    /// Whether the type's names may hold `/` (written raw in the canonical form).
    var nameHoldsSlash: Bool { name == .git }

    static let rules: [String: PackageURLTypeRule] = [
        "alpm": .init(namespace: .required, foldsNamespace: true, foldsName: true),
        "apk": .init(namespace: .required, foldsNamespace: true, foldsName: true),
        "bazel": .init(namespace: .prohibited),
        "bitbucket": .init(namespace: .required, foldsNamespace: true, foldsName: true),
        "bitnami": .init(namespace: .prohibited, foldsName: true),
        "brew": .init(namespace: .optional, foldsNamespace: true, foldsName: true),
        "cargo": .init(namespace: .prohibited),
        "chrome-extension": .init(namespace: .prohibited, foldsName: true, name: .chromeExtension),
        "cocoapods": .init(namespace: .prohibited),
        "composer": .init(namespace: .required, foldsNamespace: true, foldsName: true),
        "conan": .init(namespace: .optional),
        "conda": .init(namespace: .prohibited),
        "cpan": .init(namespace: .optional, name: .cpan),
        "cran": .init(namespace: .prohibited),
        "deb": .init(namespace: .required, foldsNamespace: true, foldsName: true),
        "docker": .init(namespace: .optional),
        "gem": .init(namespace: .prohibited),
        "generic": .init(namespace: .optional),
        "git": .init(namespace: .required, name: .git),
        "github": .init(namespace: .required, foldsNamespace: true, foldsName: true),
        "golang": .init(namespace: .required),
        "hackage": .init(namespace: .prohibited, name: .hackage),
        "hex": .init(namespace: .optional, foldsNamespace: true, foldsName: true),
        "huggingface": .init(namespace: .required, foldsVersion: true),
        "julia": .init(namespace: .prohibited, requiredQualifiers: ["uuid"]),
        "luarocks": .init(namespace: .optional, foldsNamespace: true, foldsName: true),
        "maven": .init(namespace: .required),
        "mlflow": .init(namespace: .prohibited, name: .mlflow),
        "npm": .init(namespace: .optional),
        "nuget": .init(namespace: .prohibited),
        "oci": .init(namespace: .prohibited, foldsName: true, foldsVersion: true),
        "opam": .init(namespace: .prohibited),
        "otp": .init(namespace: .prohibited, foldsName: true, foldsSubpath: true),
        "pub": .init(namespace: .prohibited, foldsName: true, name: .pub),
        "pypi": .init(namespace: .prohibited, foldsName: true, foldsVersion: true, name: .pypi),
        "qpkg": .init(namespace: .required, foldsNamespace: true),
        "rpm": .init(namespace: .required, foldsNamespace: true),
        "swid": .init(namespace: .optional, requiredQualifiers: ["tag_id"]),
        "swift": .init(namespace: .required),
        "vcpkg": .init(namespace: .prohibited),
        "vscode-extension": .init(namespace: .required, foldsNamespace: true, foldsName: true, foldsVersion: true),
        "yocto": .init(namespace: .optional, foldsNamespace: true),
    ]

    /// Checks and normalises the components of a package URL of this type.
    func apply(
        type: String, namespace: inout [String], name: inout String, version: inout String?,
        qualifiers: [(key: String, value: String)], subpath: inout [String]
    ) throws(PackageURLError) {
        if self.name == .git {
            // The host is the namespace; every segment after it belongs to the repository's path.
            let segments = namespace + name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard segments.count >= 2 else { throw PackageURLError("a git package URL needs a namespace (the host)") }
            guard !segments.contains(where: \.isEmpty) else {
                throw PackageURLError("a git repository path cannot hold an empty segment")
            }
            namespace = [segments[0]]
            name = segments.dropFirst().joined(separator: "/")
        }
        switch self.namespace {
        case .required where namespace.isEmpty:
            throw PackageURLError("a \(type) package URL needs a namespace")
        case .prohibited where !namespace.isEmpty:
            throw PackageURLError("a \(type) package URL has no namespace")
        default: break
        }
        if foldsNamespace { namespace = namespace.map { $0.lowercased() } }
        if foldsName { name = name.lowercased() }
        if foldsVersion { version = version?.lowercased() }
        if foldsSubpath { subpath = subpath.map { $0.lowercased() } }
        for required in requiredQualifiers where !qualifiers.contains(where: { $0.key == required }) {
            throw PackageURLError("a \(type) package URL needs the \(required) qualifier")
        }
        switch self.name {
        case .plain, .git: break
        case .pypi: name = String(name.map { $0 == "_" ? "-" : $0 })
        case .hackage: name = String(name.map { $0 == "_" ? "-" : $0 })
        case .pub:
            name = String(name.map { ("a"..."z").contains($0) || ("0"..."9").contains($0) ? $0 : "_" })
        case .cpan:
            if name.contains("::") { throw PackageURLError("a cpan name is a distribution name, without \"::\"") }
        case .chromeExtension:
            guard name.utf8.count == 32, name.utf8.allSatisfy({ (0x61...0x70).contains($0) }) else {
                throw PackageURLError("a chrome-extension name is the extension id: 32 letters from a to p")
            }
            if let version, !Self.isDottedNumber(version, most: 4) {
                throw PackageURLError("a chrome-extension version is one to four dot-separated numbers")
            }
        case .mlflow:
            if let url = qualifiers.first(where: { $0.key == "repository_url" })?.value, Self.isDatabricks(url) {
                name = name.lowercased()
            }
        }
    }

    /// `1`, `1.2`, … up to `most` dot-separated runs of digits.
    static func isDottedNumber(_ text: String, most: Int) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count <= most
            && parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }
    }

    /// Whether an MLflow tracking server's URL is a Databricks workspace (`*.azuredatabricks.net`,
    /// `*.cloud.databricks.com`, `*.gcp.databricks.com`), whose model names are case-insensitive.
    static func isDatabricks(_ url: String) -> Bool {
        var rest = Substring(url)
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            rest = rest[rest.index(colon, offsetBy: 3)...]
        }
        let host = rest.prefix { $0 != "/" && $0 != ":" && $0 != "?" && $0 != "#" }.lowercased()
        return host == "databricks.com" || host.hasSuffix(".databricks.com") || host.hasSuffix(".azuredatabricks.net")
    }
}
