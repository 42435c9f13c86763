import CybexCore
import Foundation
import Testing

@testable import CybexStore

/// Notification channels and queue (schema step 17) on each backend.
extension StoreContractTests {
    @Test(arguments: Backend.enabled)
    func notificationChannelsAndTheirQueue(backend: Backend) async throws {
        try await backend.withStore { store in
            let channel = NotificationChannel(
                id: "ch-1", organisationID: "org-1", kind: .webhook, target: "https://hooks.example/x",
                settings: NotificationSettings(maxLevel: .green, frequencySeconds: 60, redaction: "partners"), created: 10)
            try await store.createNotificationChannel(
                channel, secret: "key",
                audit: [AuditEvent(time: 10, actor: "t", action: "notification.channel-add", target: "ch-1")])
            var listed = try await store.notificationChannels()
            #expect(listed.count == 1 && listed[0].0 == channel && listed[0].secret == "key")
            #expect(listed[0].2 == NotificationState(sentUpTo: 10, nextAttempt: 10))

            try await store.enqueueNotifications([
                QueuedNotification(organisationID: "org-1", objectID: "indicator--a", collectionID: "c", queued: 20),
                QueuedNotification(organisationID: "org-1", objectID: "indicator--b", collectionID: "c", queued: 30),
                QueuedNotification(organisationID: "org-2", objectID: "indicator--a", collectionID: "c", queued: 20),
            ])
            // Queued again later: one row, the later time.
            try await store.enqueueNotifications([
                QueuedNotification(organisationID: "org-1", objectID: "indicator--a", collectionID: "c", queued: 40),
                QueuedNotification(organisationID: "org-1", objectID: "indicator--a", collectionID: "c", queued: 35),
            ])
            let queued = try await store.queuedNotifications(for: "org-1", after: 10, limit: 10)
            #expect(queued.map(\.objectID) == ["indicator--b", "indicator--a"])
            #expect(queued.map(\.queued) == [30, 40])
            #expect(try await store.queuedNotifications(for: "org-1", after: 30, limit: 10).map(\.objectID) == ["indicator--a"])
            #expect(try await store.queuedNotifications(for: "org-1", after: 0, limit: 1).count == 1)

            let state = NotificationState(sentUpTo: 40, nextAttempt: 100, lastDelivered: 50, failures: 0, deliveries: 1)
            try await store.recordNotificationDelivery(id: "ch-1", state: state, audit: [])
            listed = try await store.notificationChannels()
            #expect(listed[0].2 == state)
            await #expect(throws: StoreError.self) {
                try await store.recordNotificationDelivery(id: "nope", state: state, audit: [])
            }
            #expect(try await store.pruneNotifications(before: 25) == 1)
            #expect(try await store.queuedNotifications(for: "org-2", after: 0, limit: 10).isEmpty)
            #expect(try await store.removeNotificationChannel(id: "ch-1", audit: []))
            #expect(try await !store.removeNotificationChannel(id: "ch-1", audit: []))
        }
    }
}
