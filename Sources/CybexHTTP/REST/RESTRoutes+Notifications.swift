import CybexCore
import CybexEngine
import CybexFormats
import Foundation
import Hummingbird

/// An organisation's notification channels over REST (docs/API.md): read by whoever may read its
/// records, added and removed by whoever may change them (``OrganisationRecordPolicy``, in the
/// Engine), decided before the body is read.
extension RESTRoutes {
    func registerNotifications(on group: RouterGroup<Context>) {
        group.get("organisations/:id/notification-channels") { request, context in
            try await notificationChannels(request, context)
        }
        group.post("organisations/:id/notification-channels") { request, context in
            try await addNotificationChannel(request, context)
        }
        group.delete("organisations/:id/notification-channels/:channel") { request, context in
            try await removeNotificationChannel(request, context)
        }
    }

    var notifications: NotificationService {
        NotificationService(engine: engine, mail: nil, http: AsyncHTTPTransport())
    }

    func notificationChannels(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let channels = try await notifications.channels(ofOrganisation: try context.parameters.require("id"), for: principal)
        return json(.object([("channels", .array(channels.map { NotificationService.json($0.0, $0.1) }))]))
    }

    /// `{"kind": "email"|"webhook", "target", "max_tlp", "frequency_seconds", "redaction"}`; 201 with
    /// the channel, and for a webhook its signing key (`secret`), shown this once.
    func addNotificationChannel(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        let id = try context.parameters.require("id")
        try await engine.organisationProfiles.requireAccess(toOrganisation: id, for: principal, write: true)
        let body = try await readBody(request, allowed: ["kind", "target", "max_tlp", "frequency_seconds", "redaction"])
        guard let kindName = try body.optionalString("kind"), let kind = NotificationChannel.Kind(rawValue: kindName) else {
            throw RESTError.invalid("kind", "'kind' must be email or webhook")
        }
        guard let target = try body.optionalString("target") else {
            throw RESTError.invalid("target", "'target' is required: an e-mail address or a webhook URL")
        }
        var settings = NotificationSettings()
        if let level = try body.optionalString("max_tlp") {
            guard let parsed = TLPLevel(rawValue: level) else {
                throw RESTError.invalid("max_tlp", "'max_tlp' must be clear, green, amber, amber+strict or red")
            }
            settings.maxLevel = parsed
        }
        settings.frequencySeconds =
            try Self.integer(body, "frequency_seconds", in: NotificationService.minimumFrequencySeconds...(31 * 86_400)) ?? 3_600
        settings.redaction = try body.optionalString("redaction")
        let (channel, secret) = try await notifications.addChannel(
            ofOrganisation: id, kind: kind, target: target, settings: settings, by: principal)
        var resource = NotificationService.json(channel, NotificationState(nextAttempt: channel.created))
        if let secret, case .object(var members) = resource {
            members.append(("secret", .string(secret)))
            resource = .object(members)
        }
        return json(resource, status: .created)
    }

    func removeNotificationChannel(_ request: Request, _ context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        _ = try RESTQuery(request, allowed: [])
        try await notifications.removeChannel(
            try context.parameters.require("channel"), ofOrganisation: try context.parameters.require("id"), by: principal)
        return Response(status: .noContent)
    }
}
