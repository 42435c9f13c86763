public import CybexCore
public import CybexFormats
public import CybexStore
import Foundation

/// The node's stored redaction policies (SECURITY.md, "PII redaction and granular markings").
public struct RedactionPolicies: Sendable {
    public let store: any Store
    public let actor: String

    public init(store: any Store, actor: String) {
        self.store = store
        self.actor = actor
    }

    /// Validates and stores a policy document (JSON) with a new random 32-byte key.
    public func add(document: [UInt8]) async throws -> StoredRedactionPolicy {
        let policy: RedactionPolicy
        do {
            _ = try JSONReader.parse(document)  // strict JSON first: duplicate keys, depth, size
            policy = try JSONDecoder().decode(RedactionPolicy.self, from: Data(document))
            try policy.validate()
            try Administration.requireNoControlCharacters(policy.name, "name")
        } catch let error as EngineError {
            throw error
        } catch let error as RedactionPolicyError {
            throw EngineError(.invalidArgument, "\(error)")
        } catch {
            throw EngineError(.invalidArgument, "not a redaction policy: \(error)")
        }
        var generator = SystemRandomNumberGenerator()
        let stored = StoredRedactionPolicy(
            id: Secrets.uuid(), name: policy.name, destination: policy.destination.rawValue,
            document: String(decoding: document, as: UTF8.self),
            key: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) },
            createdAt: SystemWallClock.nowMicroseconds())
        do {
            try await store.createRedactionPolicy(stored)
        } catch let error as StoreError where error.code == .conflict {
            throw EngineError(.conflict, "a redaction policy named '\(policy.name)' exists")
        }
        try await store.appendAudit(
            AuditEvent(
                time: SystemWallClock.nowMicroseconds(), actor: actor, action: "redaction.create", target: stored.id,
                detail: "\(policy.name) for \(policy.destination.rawValue): \(policy.rules.map(\.name).joined(separator: ", "))"))
        return stored
    }

    public func remove(named name: String) async throws {
        try Administration.requireNoControlCharacters(name, "name")
        guard try await store.deleteRedactionPolicy(named: name) else {
            throw EngineError(.notFound, "no redaction policy named '\(name)'")
        }
        try await store.appendAudit(
            AuditEvent(time: SystemWallClock.nowMicroseconds(), actor: actor, action: "redaction.delete", target: name))
    }

    /// The redactor of the stored policy named `name`.
    public func redactor(named name: String) async throws -> Redactor {
        guard let stored = try await store.redactionPolicies().first(where: { $0.name == name }) else {
            throw EngineError(.notFound, "no redaction policy named '\(name)'")
        }
        do {
            let policy = try JSONDecoder().decode(RedactionPolicy.self, from: Data(stored.document.utf8))
            return try Redactor(policy: policy, key: stored.key)
        } catch {
            throw EngineError(.invalidArgument, "stored redaction policy '\(name)' is unusable: \(error)")
        }
    }
}
