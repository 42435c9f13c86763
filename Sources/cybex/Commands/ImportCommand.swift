import ArgumentParser
import CybexCore
import CybexEngine
import CybexFormats
import Foundation

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import STIX 2.1 documents, IODEF v2 documents or CVE JSON 5 records into a collection.",
        discussion: """
            With --format cve, each argument is a CVE JSON 5 record, a folder (every CVE-*.json below it, as \
            the official cvelistV5 repository lays them out) or a zip of either (a zip inside it too): each \
            record becomes a STIX vulnerability object (docs/VULNERABILITIES.md), committed 5,000 records at a \
            time; a record that is not valid is refused alone, named with its file.

            With --format openvex, each file is an OpenVEX document: its statements become one STIX note with \
            Cybex's VEX extension, which exposure applies (docs/VULNERABILITIES.md, "VEX"). With --format csaf, each \
            file is a CSAF 2.0 advisory, checked against the schema and every mandatory test (refused whole, every \
            problem named), then stored as a report, its vulnerabilities and its product status as VEX statements.

            A file is a STIX bundle, a TAXII envelope, one STIX object, JSON Lines (one object per line), or an \
            IODEF v2 document (RFC 7970; its incidents become STIX incident objects, docs/IODEF.md); --format says \
            which, or it is told from the file (.jsonl and .ndjson are JSON Lines, .xml and a document that starts \
            with '<' are IODEF). An IODEF document is refused whole, before anything is stored, when it is not \
            valid: a DTD or entity, more than 16 MiB (told from the file's size, before reading it), more than 64 \
            levels, or a class the RFC does not allow, each named with its line and column. Each file \
            lands whole or not at all: its valid objects are committed in one transaction, with their audit \
            entry; invalid objects are rejected one by one and listed; a line of JSON Lines that is not a \
            JSON object refuses the whole file, naming the line. Use - for standard input.
            """)
    @OptionGroup var store: StoreOptions
    @Argument(help: "STIX files (- for standard input).") var files: [String]
    @Option(help: "auto, bundle, envelope, object, jsonl, iodef, cve, openvex or csaf.") var format: ImportFormat = .auto
    @Option(help: "The collection id.") var collection: String
    @Option(help: "The organisation recorded as owner of new objects (default: the node's own 'admin' organisation).")
    var owner: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one bundle file (- for standard input)") }
    }

    func run() async throws {
        try await store.withEngine { engine in
            let run = try await engine.operatorImport(into: collection, ownerName: owner, actor: "cli")
            if format == .cve { return try await importCVE(run: run) }
            var failedFiles = 0
            for file in files {
                do {
                    try await importFile(file, run: run, engine: engine)
                } catch let error as CommandFailure {
                    Terminal.endProgress()
                    Terminal.error(error.message)
                    failedFiles += 1
                }
            }
            // Each file's objects committed with an `objects.import` entry of their own; this one sums up the run.
            try await run.finish(imported: files.count - failedFiles, of: files.count)
            // Each failed file already has its error line; the exit code says the run failed.
            if failedFiles > 0 { throw ExitCode(1) }
        }
    }

    func importFile(_ file: String, run: OperatorImport, engine: Engine) async throws {
        let started = Date()
        Terminal.progress("\(file): reading…")
        if format == .openvex || format == .csaf {
            let report: IngestReport
            do {
                let bytes = try readInput(file, what: format == .csaf ? "CSAF document" : "OpenVEX document")
                report =
                    format == .csaf
                    ? try await run.importCSAF(bytes, label: file) : try await run.importOpenVEX(bytes, label: file)
            } catch let error as EngineError {
                throw CommandFailure(message: "\(file): \(error.message)")
            }
            print(
                "\(file): \(report.total) objects: \(report.added) added, \(report.newVersions) new versions, "
                    + "\(report.duplicates) duplicates, \(report.rejected.count) rejected")
            if !report.rejected.isEmpty {
                let reasons = report.items.compactMap { item -> String? in
                    if case .rejected(let reason) = item.outcome { return "\(item.id ?? "?"): \(reason)" }
                    return nil
                }
                throw CommandFailure(message: "\(file): " + reasons.joined(separator: "; "))
            }
            return
        }
        if format == .iodef || (format == .auto && file.lowercased().hasSuffix(".xml")) {
            return try await importIODEF(file, run: run, engine: engine, started: started)
        }
        let source = try read(file)
        if format == .auto, source.prefix(4096).first(where: { !XMLBytesCheck.isSpace($0) }) == UInt8(ascii: "<") {
            // Standard input is read once: hand its bytes on; a file is read again within IODEF's bound.
            return try await importIODEF(
                file, bytes: file == "-" ? source.prefix(source.count) : nil, run: run, engine: engine, started: started)
        }
        Terminal.progress("\(file): decoding \(source.count / 1_048_576) MiB…")
        let document: ParsedDocument
        do {
            document = try STIXBundleDecoder.parse(source, as: format.container(for: file, source))
        } catch {
            throw CommandFailure(message: "\(file): \(error.message)")
        }
        let total = document.count
        // The rate counts from here: reading and parsing the file came before.
        let validating = Date()
        // The file's objects and their audit entry commit together.
        let report = try await run.importDocument(
            document, label: file,
            progress: { done in
                Terminal.progress(
                    "\(file): " + Self.progressLine(done: done, of: total, seconds: Date().timeIntervalSince(validating)))
            })
        Terminal.endProgress()
        let seconds = Date().timeIntervalSince(started)
        print(
            "\(file): \(report.total) objects: \(report.added) added, \(report.newVersions) new versions, "
                + "\(report.duplicates) duplicates, \(report.rejected.count) rejected (\(String(format: "%.2f", seconds)) s)")
        for item in report.rejected {
            if case .rejected(let reason) = item.outcome { print("  rejected \(item.id ?? "(no id)"): \(reason)") }
        }
    }

    /// CVE JSON 5 records from files, folders and zips, a batch at a time, in three stages that run side by
    /// side: a task reads the records (decompressing them from a zip), a task per batch converts them to STIX,
    /// and this one stores each batch while the next is converted and the one after is read.
    func importCVE(run: OperatorImport) async throws {
        enum Item: Sendable {
            case batch(CVESources.Batch)
            case failure(String)
        }
        let started = Date()
        var tally = CVEImportTally()
        let scores = CVSSScoreCache()
        let pipe = BoundedPipe<Item>(capacity: 2)
        let files = files
        let reader = Task.detached {
            var sources = CVESources(batchSize: OperatorImport.cveBatchSize, maximumBytes: OperatorImport.maximumCVERecordBytes)
            for file in files {
                do {
                    try await sources.read(file) { batch in await pipe.send(.batch(batch)) }
                } catch let error as CommandFailure {
                    await pipe.send(.failure(error.message))
                } catch {
                    await pipe.send(.failure("\(file): \(error)"))
                }
            }
            await pipe.finish()
        }
        var failedSources = 0
        // Batches being converted, oldest first: two at a time, stored in their order.
        var pending: [Task<PreparedCVERecords, Never>] = []
        while let item = await pipe.receive() {
            switch item {
            case .failure(let message):
                Terminal.endProgress()
                Terminal.error(message)
                failedSources += 1
            case .batch(let batch):
                pending.append(Task.detached { OperatorImport.prepareCVERecords(batch, scores: scores) })
                if pending.count > 2 { try await run.importCVERecords(await pending.removeFirst().value, into: &tally) }
                let seconds = Date().timeIntervalSince(started)
                Terminal.progress(
                    "\(batch.last?.label ?? ""): \(tally.records.formatted()) records, "
                        + "\(seconds > 0 ? Int(Double(tally.records) / seconds).formatted() : "–") records/s")
            }
        }
        await reader.value
        for task in pending { try await run.importCVERecords(await task.value, into: &tally) }
        Terminal.endProgress()
        try await run.finish(imported: files.count - failedSources, of: files.count)
        let seconds = Date().timeIntervalSince(started)
        print(
            "\(tally.records) CVE records: \(tally.added) added, \(tally.newVersions) new versions, "
                + "\(tally.duplicates) duplicates, \(tally.refused.count) refused (\(String(format: "%.2f", seconds)) s, "
                + "\(seconds > 0 ? Int(Double(tally.records) / seconds) : 0) records/s)")
        for (label, reason) in tally.refused.prefix(1_000) { print("  refused \(label): \(reason)") }
        if tally.refused.count > 1_000 { print("  … and \(tally.refused.count - 1_000) more refused") }
        if failedSources > 0 || !tally.refused.isEmpty { throw ExitCode(1) }
    }

    /// An IODEF document: read within IODEF's size bound (a larger file is refused from its size),
    /// checked, and stored as STIX through the same import.
    func importIODEF(_ file: String, bytes: [UInt8]? = nil, run: OperatorImport, engine: Engine, started: Date) async throws {
        let source: [UInt8]
        if let bytes {
            source = bytes
        } else {
            do {
                source = try XMLReader.readBounded(file, maxBytes: IODEF.limits.maxBytes)
            } catch {
                throw CommandFailure(message: "\(file): \(IODEFError(xml: error).description)")
            }
        }
        let report: IngestReport
        let opened: [String]
        do {
            let document = try IODEFExchange.read(source)
            report = try await run.importIODEF(document, label: file)
            // Each incident opens a case the owner handles, unless it has one already.
            opened = try await engine.cases(issuer: ProcessInfo.processInfo.hostName).openCases(
                forImported: document, in: run.collection.id, ownerID: run.owner.id, actor: "cli")
        } catch let error as EngineError {
            throw CommandFailure(message: "\(file): \(error.message)")
        }
        Terminal.endProgress()
        print(
            "\(file): \(report.total) objects: \(report.added) added, \(report.newVersions) new versions, "
                + "\(report.duplicates) duplicates, \(report.rejected.count) rejected, \(opened.count) cases opened "
                + "(\(String(format: "%.2f", Date().timeIntervalSince(started))) s)")
        for item in report.rejected {
            if case .rejected(let reason) = item.outcome { print("  rejected \(item.id ?? "(no id)"): \(reason)") }
        }
    }

    /// "120,000 of 1,000,000 objects (12 %), 41,000 objects/s, about 21 s left": what a long import
    /// shows on a terminal, as `pg_restore` or `rsync --progress` would.
    static func progressLine(done: Int, of total: Int, seconds: Double) -> String {
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let percent = total > 0 ? done * 100 / total : 100
        var line = "\(done.formatted()) of \(total.formatted()) objects (\(percent) %)"
        if rate > 0 {
            line += ", \(Int(rate).formatted()) objects/s"
            if done < total { line += ", about \(Int((Double(total - done) / rate).rounded(.up))) s left" }
        }
        return line + (done >= total ? ", committing…" : "")
    }

    /// The file's bytes: a regular file is read where it lies (JSON Lines a block at a time, never
    /// whole); standard input, a pipe or a device is read into memory.
    func read(_ file: String) throws -> DocumentBytes {
        if file == "-" { return .memory([UInt8](FileHandle.standardInput.readDataToEndOfFile())) }
        if let regular = DocumentBytes.file(atPath: file) { return regular }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CommandFailure(message: "\(file): cannot read the file (missing or not readable)")
        }
        return .memory([UInt8](data))
    }
}

/// What `cybex import --format` names.
enum ImportFormat: String, ExpressibleByArgument, CaseIterable {
    case auto, bundle, envelope, object, jsonl, iodef, cve, openvex, csaf

    /// The container to read `source`, from `file`, as. `auto` takes JSON Lines from the file's name
    /// (`.jsonl`, `.ndjson`) or, for standard input and other names, from the content: several lines
    /// whose first is a JSON object on its own; anything else is a bundle, an envelope or one object.
    /// The first MiB tells most documents apart; a longer first line is read up to 16 MiB.
    func container(for file: String, _ source: DocumentBytes) -> STIXBundleDecoder.Container {
        switch self {
        case .bundle: return .bundle
        case .envelope: return .envelope
        case .object: return .object
        case .jsonl: return .jsonLines
        case .auto, .iodef, .cve, .openvex, .csaf:
            let name = file.lowercased()
            if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return .jsonLines }
            let lines = Self.looksLikeJSONLines(source.prefix(1 << 20)) ?? Self.looksLikeJSONLines(source.prefix(16 << 20))
            return lines == true ? .jsonLines : .automatic
        }
    }

    /// Whether the first non-blank line is a complete JSON object and another non-blank line
    /// follows; nil when `bytes` end before that can be told. Reads no further than the first byte
    /// of that other line: a bundle's beginning decides it.
    static func looksLikeJSONLines(_ bytes: [UInt8]) -> Bool? {
        func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        var start = 0
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = bytes[start..<newline]
            start = newline + 1
            if line.allSatisfy(blank) { continue }
            guard bytes[start...].contains(where: { !blank($0) && $0 != UInt8(ascii: "\n") }) else { return nil }
            if case .object? = try? JSONReader.parse(line) { return true }
            return false
        }
        return nil
    }
}

/// White space before a document's first character.
enum XMLBytesCheck {
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }
}
