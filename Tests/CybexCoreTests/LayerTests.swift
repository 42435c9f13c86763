import Foundation
import Testing

/// The dependency rules of `docs/ARCHITECTURE.md`, checked on the source files: the adapters (HTTP
/// and the CLI) reach the store only through the Engine, so only their composition roots, which
/// open the store and hand it to the Engine, import `CybexStore`; Core and Formats import no
/// module of ours above them and no I/O.
@Suite("Layers")
struct LayerTests {
    /// The repository's root, from this file's path (Tests/CybexCoreTests/LayerTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The Swift files of a target, by path relative to the root, with the modules each imports.
    static func imports(of target: String) throws -> [(path: String, modules: Set<String>)] {
        let folder = root.appendingPathComponent("Sources/\(target)")
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        var result: [(String, Set<String>)] = []
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            var modules: Set<String> = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                let words = line.split(separator: " ")
                // `import X`, `public import X`, `@testable import X`, `import struct X.Y` …
                guard let index = words.firstIndex(of: "import"), index <= 2, index + 1 < words.count else { continue }
                let prefix = words[..<index]
                guard prefix.allSatisfy({ ["public", "internal", "package", "@testable", "@preconcurrency"].contains($0) })
                else { continue }
                let name =
                    words.count > index + 2 && ["struct", "class", "enum", "func", "protocol"].contains(words[index + 1])
                    ? words[index + 2] : words[index + 1]
                modules.insert(String(name.split(separator: ".").first ?? name))
            }
            result.append((url.path.replacingOccurrences(of: root.path + "/", with: ""), modules))
        }
        return result.sorted { $0.0 < $1.0 }
    }

    /// The files allowed to import `CybexStore` in the adapters: where the store is opened and the
    /// Engine and the server's services are built over it.
    static let compositionRoots: Set<String> = [
        "Sources/CybexHTTP/Server/CybexServer.swift",
        "Sources/cybex/StoreOptions+Open.swift",
    ]

    @Test(arguments: ["CybexHTTP", "cybex"])
    func adaptersReachTheStoreOnlyThroughTheEngine(target: String) throws {
        let files = try Self.imports(of: target)
        #expect(files.count > 5, "found the sources of \(target)")
        let offenders = files.filter { $0.modules.contains("CybexStore") && !Self.compositionRoots.contains($0.path) }
        #expect(offenders.map(\.path) == [], "import CybexStore outside the composition roots")
    }

    /// The roots exist and are read as importing the store (so the check above reads imports at all).
    @Test
    func compositionRootsImportTheStore() throws {
        let files = try Self.imports(of: "CybexHTTP") + Self.imports(of: "cybex")
        for path in Self.compositionRoots {
            #expect(files.first { $0.path == path }?.modules.contains("CybexStore") == true, "\(path)")
        }
    }

    @Test(arguments: [
        ("CybexCore", Set<String>()),
        ("CybexFormats", Set(["CybexCore"])),
        ("CybexStore", Set(["CybexCore"])),
        ("CybexEngine", Set(["CybexCore", "CybexFormats", "CybexStore"])),
    ])
    func lowerModulesImportNothingAboveThem(target: String, allowed: Set<String>) throws {
        let ours: Set<String> = ["CybexCore", "CybexFormats", "CybexStore", "CybexEngine", "CybexHTTP"]
        for (path, modules) in try Self.imports(of: target) {
            let reaching = modules.intersection(ours).subtracting(allowed).subtracting([target])
            #expect(reaching.isEmpty, "\(path) imports \(reaching.sorted())")
        }
    }

    @Test
    func coreAndFormatsDoNoNetworkOrDatabaseIO() throws {
        let io: Set<String> = ["NIOCore", "NIOPosix", "GRDB", "PostgresNIO", "Hummingbird", "AsyncHTTPClient"]
        for target in ["CybexCore", "CybexFormats"] {
            for (path, modules) in try Self.imports(of: target) {
                #expect(modules.isDisjoint(with: io), "\(path) imports \(modules.intersection(io).sorted())")
            }
        }
    }
}
