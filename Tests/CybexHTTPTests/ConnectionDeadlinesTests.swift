import NIOCore
import Testing

@testable import CybexHTTP

/// The deadlines of a connection as a state machine, without sockets or clocks: each case feeds it
/// events at chosen instants and reads the deadline it sets.
@Suite("Connection deadlines")
struct ConnectionDeadlinesTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    static func at(_ seconds: Int64) -> NIODeadline { start + .seconds(seconds) }

    func machine() -> ConnectionDeadlines {
        ConnectionDeadlines(headerTimeout: .seconds(10), idleTimeout: .seconds(30), now: Self.start)
    }

    @Test("a new connection has the header timeout from connecting, whether or not bytes come")
    func newConnection() {
        var deadlines = machine()
        #expect(deadlines.deadline == Self.at(10))
        deadlines.bytesReceived(now: Self.at(5))
        #expect(deadlines.deadline == Self.at(10))
        #expect(deadlines.expired(now: Self.at(10)))
        #expect(!deadlines.expired(now: Self.at(9)))
    }

    @Test("while a request is answered there is no deadline; after it, the idle timeout, then the header timeout from the next byte")
    func keptAlive() {
        var deadlines = machine()
        deadlines.headReceived()
        deadlines.endReceived(now: Self.at(1))
        #expect(deadlines.deadline == nil)
        deadlines.responseEnded(now: Self.at(2))
        #expect(deadlines.deadline == Self.at(32))
        deadlines.bytesReceived(now: Self.at(20))
        #expect(deadlines.deadline == Self.at(30))
        deadlines.bytesReceived(now: Self.at(25))
        #expect(deadlines.deadline == Self.at(30))
        deadlines.headReceived()
        #expect(deadlines.deadline == nil)
    }

    @Test("a body is timed only while the server waits for bytes that do not come")
    func bodyStalls() {
        var deadlines = machine()
        deadlines.headReceived()
        #expect(deadlines.deadline == nil)
        deadlines.readRequested(now: Self.at(3))
        #expect(deadlines.deadline == Self.at(33))
        deadlines.readRequested(now: Self.at(4))
        #expect(deadlines.deadline == Self.at(33))
        deadlines.bytesReceived(now: Self.at(5))
        #expect(deadlines.deadline == nil)
        deadlines.endReceived(now: Self.at(6))
        #expect(deadlines.deadline == nil)
    }

    @Test("a next request begun during a response gets the header timeout from the response's end")
    func pipelined() {
        var deadlines = machine()
        deadlines.headReceived()
        deadlines.endReceived(now: Self.at(1))
        deadlines.bytesReceived(now: Self.at(2))
        #expect(deadlines.deadline == nil)
        deadlines.responseEnded(now: Self.at(4))
        #expect(deadlines.deadline == Self.at(14))
    }
}
