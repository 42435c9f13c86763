import CybexEngine
import Testing

/// The compact notes a subscriber keeps of an ingest's objects read back exactly as noted.
@Suite struct NotedObjectsTests {
    @Test func notesReadBackAsNotedInOrder() {
        let objects = [
            NotedObject(id: "indicator--1", values: ["ipv4-addr\u{1}198.51.100.7"]),
            NotedObject(id: "ipv4-addr--2", values: []),
            NotedObject(id: "", values: ["", "domain-name\u{1}bücher.example", "\u{1}"]),
            NotedObject(id: "url--3", values: ["url\u{1}https://example.org/a b", "org-1", "org-2"]),
        ]
        var notes = NotedObjects()
        for object in objects { notes.append(object.id, values: object.values) }
        #expect(notes.count == 4)
        #expect(Array(notes) == objects)
        #expect(notes[2] == objects[2])
        #expect(notes[1..<3].map(\.id) == ["ipv4-addr--2", ""])
        #expect(NotedObjects(objects) == notes)
        #expect(NotedObjects().isEmpty)
        #expect(notes.canHold("indicator--4", values: ["x"]))
    }
}
