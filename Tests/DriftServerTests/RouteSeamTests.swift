import DriftCore
import DriftRecords
@testable import DriftServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// The routes over an in-memory `RouteHost`: what each answer is made of, without a store, a
/// journal or a window (the seam is all the routes see of the sidecar).
@Suite("HTTP routes over the RouteHost seam")
struct RouteSeamTests {
    final class MemoryHost: RouteHost {
        let parser = EventParser(models: [("m", Fixture.schema)])
        let ingestToken: String?
        let maxBodyBytes: Int
        let logger = Logger(label: "test")
        struct State {
            var accepted = 0
            var acceptCalls = 0
            var rejected: [RejectReason] = []
            var inFlight = 0
            var maxInFlight = 0
            var failure: (any Error)?
            var ready = true
        }
        let state = Mutex(State())
        init(token: String? = nil, maxBodyBytes: Int = 1 << 20) {
            ingestToken = token
            self.maxBodyBytes = maxBodyBytes
        }

        func accept(_ parsed: ParsedEvents) throws {
            try state.withLock { s in
                s.acceptCalls += 1
                if let f = s.failure { throw f }
                s.accepted += parsed.accepted
            }
        }
        func recordRejected(_ reason: RejectReason) { state.withLock { $0.rejected.append(reason) } }
        func ingestStarted() {
            state.withLock { s in
                s.inFlight += 1
                s.maxInFlight = max(s.maxInFlight, s.inFlight)
            }
        }
        func ingestFinished() { state.withLock { $0.inFlight -= 1 } }
        func latestReports() -> [DriftReport] { [] }
        func latestReport(model name: String) -> ModelDrift { name == "m" ? .notEvaluated(every: 90) : .unknownModel }
        func renderMetrics() -> [UInt8] { Array("# EOF\n".utf8) }
        func readiness() -> (ready: Bool, checks: [String: String]) {
            let ready = state.withLock { $0.ready }
            return (ready, ["store": ready ? "writable" : "not writable: disk full"])
        }
    }

    static func post(
        _ client: some TestClientProtocol, _ body: String, headers: HTTPFields = [:]
    ) async throws
        -> TestResponse
    {
        var h = headers
        if h[.contentType] == nil { h[.contentType] = "application/x-ndjson" }
        return try await client.execute(uri: "/v1/events", method: .post, headers: h, body: ByteBuffer(string: body))
    }

    static func text(_ r: TestResponse) -> String { String(buffer: r.body) }

    @Test(
        "refused before reading: a wrong token and a body over the limit are counted by reason and never reach accept")
    func refusedEarly() async throws {
        let host = MemoryHost(token: "s3cret", maxBodyBytes: 64)
        try await Application(router: buildRouter(host: host)).test(.router) { client in
            let noToken = try await Self.post(client, #"{"features":{"x":1}}"#)
            #expect(noToken.status == .unauthorized && noToken.headers[.wwwAuthenticate] == "Bearer")
            let big = String(repeating: #"{"features":{"x":1}}"# + "\n", count: 10)
            let tooLarge = try await Self.post(client, big, headers: [.authorization: "Bearer s3cret"])
            #expect(tooLarge.status == .contentTooLarge)
            let ok = try await Self.post(client, #"{"features":{"x":1}}"#, headers: [.authorization: "Bearer s3cret"])
            #expect(ok.status == .accepted)
        }
        let s = host.state.withLock { $0 }
        #expect(s.rejected == [.unauthorized, .bodyTooLarge])
        #expect(s.acceptCalls == 1 && s.accepted == 1)
        // Every request is bracketed, refused ones included.
        #expect(s.inFlight == 0 && s.maxInFlight == 1)
    }

    @Test("a journal that fails: 503, nothing acknowledged, and the answer names the models whose part stays journaled")
    func journalFailure() async throws {
        let host = MemoryHost()
        try await Application(router: buildRouter(host: host)).test(.router) { client in
            host.state.withLock { $0.failure = IngestFailure(cause: CocoaError(.fileWriteOutOfSpace), retained: ["m"]) }
            let partial = try await Self.post(client, #"{"features":{"x":1}}"#)
            #expect(partial.status == .serviceUnavailable)
            #expect(
                Self.text(partial).contains("nothing was acknowledged")
                    && Self.text(partial).contains("the events of m"))
            host.state.withLock { $0.failure = CocoaError(.fileWriteOutOfSpace) }
            let none = try await Self.post(client, #"{"features":{"x":1}}"#)
            #expect(none.status == .serviceUnavailable && Self.text(none).contains("nothing was kept, retry later"))
            // A malformed JSON body is refused before accept, with its reason (an NDJSON line would be
            // refused alone, the others kept).
            let bad = try await Self.post(client, #"{"features":"#, headers: [.contentType: "application/json"])
            #expect(bad.status == .badRequest && Self.text(bad).contains("malformed_json"))
        }
        let s = host.state.withLock { $0 }
        #expect(s.acceptCalls == 2 && s.accepted == 0 && s.rejected == [.malformedJSON])
    }

    @Test(
        "GET /v1/drift/{model} and /readyz answer from the host: unknown, not evaluated yet (with the period), not ready"
    )
    func driftAndReadiness() async throws {
        let host = MemoryHost()
        try await Application(router: buildRouter(host: host)).test(.router) { client in
            let unknown = try await client.execute(uri: "/v1/drift/nope", method: .get)
            #expect(unknown.status == .notFound && Self.text(unknown).contains(#"unknown model \"nope\""#))
            let pending = try await client.execute(uri: "/v1/drift/m", method: .get)
            #expect(pending.status == .notFound && Self.text(pending).contains("not been evaluated yet (every 1m30s)"))
            let all = try await client.execute(uri: "/v1/drift", method: .get)
            #expect(all.status == .ok && Self.text(all) == "[]")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            host.state.withLock { $0.ready = false }
            let notReady = try await client.execute(uri: "/readyz", method: .get)
            let o = try JSONSerialization.jsonObject(with: Data(buffer: notReady.body)) as! [String: Any]
            #expect(notReady.status == .serviceUnavailable && o["ready"] as? Bool == false)
            #expect((o["checks"] as? [String: String])?["store"] == "not writable: disk full")
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(Self.text(metrics) == "# EOF\n")
        }
    }
}
