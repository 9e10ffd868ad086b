import DriftCore
import DriftRecords
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// The sidecar's HTTP interface: `POST /v1/events`, `GET /metrics`, `GET /v1/drift[/MODEL]`,
/// `GET /healthz`, `GET /readyz`. Tests call this with HummingbirdTesting; `serve` runs it.
public func buildRouter(_ sidecar: Sidecar) -> Router<BasicRequestContext> { buildRouter(host: sidecar) }

/// The routes over what they need of the sidecar (`RouteHost`); tests give them an in-memory one.
func buildRouter(host: some RouteHost) -> Router<BasicRequestContext> {
    let router = Router()
    router.post("/v1/events") { request, context in
        try await ingest(request, context: context, host: host)
    }
    router.get("/metrics") { _, _ in
        let bytes = host.renderMetrics()
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
    router.get("/v1/drift") { _, _ in
        json(.ok, try encoder.encode(host.latestReports()))
    }
    router.get("/v1/drift/{model}") { _, context in
        let name = try context.parameters.require("model")
        switch host.latestReport(model: name) {
        case .unknownModel:
            return problem(.notFound, "unknown model \"\(name.prefix(64))\"")
        case .notEvaluated(let every):
            return problem(
                .notFound, "model \"\(name)\" has not been evaluated yet (every \(ConfigValues.format(seconds: every)))"
            )
        case .report(let report):
            return json(.ok, try encoder.encode(report))
        }
    }
    router.get("/healthz") { _, _ in json(.ok, Data(#"{"status":"ok"}"#.utf8)) }
    router.get("/readyz") { _, _ in
        let (ready, checks) = host.readiness()
        let body = try JSONSerialization.data(
            withJSONObject: ["ready": ready, "checks": checks], options: [.sortedKeys])
        return json(ready ? .ok : .serviceUnavailable, body)
    }
    return router
}

/// Builds the Hummingbird application with the sidecar's services (evaluators, checkpointer,
/// tailers, alert dispatcher). Shutdown order (reverse of start): HTTP server first (stops
/// accepting, finishes in-flight requests), then the dispatcher (the outbox is durable), tailers,
/// evaluators, the checkpointer, and last the bulk-work thread the evaluators and the checkpointer
/// ran on.
public func buildApplication(_ sidecar: Sidecar, logger: Logger) -> some ApplicationProtocol {
    let bulk = BulkWork.thread()
    var services: [any Service] = [
        BulkWorkService(bulk: bulk), CheckpointService(host: sidecar, bulk: bulk, logger: sidecar.logger),
    ]
    services.append(EvaluatorService(host: sidecar, bulk: bulk))
    services.append(ProbeService(host: sidecar))
    for source in sidecar.config.sources {
        services.append(TailService(sink: sidecar, source: source, logger: sidecar.logger))
    }
    if sidecar.config.alerting.directDelivery { services.append(AlertDispatcher(center: sidecar.alerts)) }
    let config = sidecar.config
    let bodyTimeout = TimeAmount.nanoseconds(Int64(config.bodyTimeout * 1e9))
    let metrics = sidecar.metrics, fallback = sidecar.fallbackModel
    let http = HTTP1Channel.Configuration(
        additionalChannelHandlers: [
            BodyDeadlineHandler(timeout: bodyTimeout) { metrics.recordRejected(model: fallback, .bodyTimeout) }
        ],
        idleTimeout: .nanoseconds(Int64(config.idleTimeout * 1e9)))
    return Application(
        router: buildRouter(sidecar), server: .http1(configuration: http),
        configuration: .init(
            address: .hostname(config.listenHost, port: config.listenPort), serverName: "driftwatch",
            availableConnectionsDelegate: ConnectionLimit(limit: config.maxConnections, metrics: metrics)),
        services: services, logger: logger)
}

private let encoder: JSONEncoder = {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys]
    e.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    return e
}()

func json(_ status: HTTPResponse.Status, _ data: Data) -> Response {
    Response(
        status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

func problem(_ status: HTTPResponse.Status, _ message: String, reason: RejectReason? = nil) -> Response {
    var body: [String: Any] = ["error": message]
    if let reason { body["code"] = reason.rawValue; body["accepted"] = 0 }
    let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
    return json(status, data)
}

/// `POST /v1/events`: auth, media type, size, parse, journal + window, answer.
func ingest(_ request: Request, context: BasicRequestContext, host: some RouteHost) async throws -> Response {
    host.ingestStarted()
    defer { host.ingestFinished() }
    if let token = host.ingestToken {
        guard IngestHeaders.bearerMatches(request.headers[.authorization], token: token) else {
            host.recordRejected(.unauthorized)
            var r = problem(.unauthorized, "missing or wrong bearer token", reason: .unauthorized)
            r.headers[.wwwAuthenticate] = "Bearer"
            return r
        }
    }
    guard let format = IngestHeaders.format(contentType: request.headers[.contentType]) else {
        let type = IngestHeaders.mediaType(request.headers[.contentType])
        host.recordRejected(.unsupportedMediaType)
        return problem(
            .unsupportedMediaType,
            "unsupported content type \"\(type.prefix(64))\" (use application/json or application/x-ndjson)",
            reason: .unsupportedMediaType)
    }
    let limit = host.maxBodyBytes
    if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
        host.recordRejected(.bodyTooLarge)
        return problem(
            .contentTooLarge, "body of \(length) bytes is over the limit of \(limit) bytes", reason: .bodyTooLarge)
    }
    var request = request
    let body: ByteBuffer
    do {
        body = try await request.collectBody(upTo: limit)
    } catch is NIOTooManyBytesError {
        host.recordRejected(.bodyTooLarge)
        return problem(.contentTooLarge, "body is over the limit of \(limit) bytes", reason: .bodyTooLarge)
    }
    let parsed: ParsedEvents
    do {
        parsed = try body.withUnsafeReadableBytes { raw in try host.parser.parse(raw, format: format) }
    } catch {
        host.recordRejected(.malformedJSON)
        return problem(.badRequest, "\(error); nothing was accepted", reason: .malformedJSON)
    }
    do {
        try host.accept(parsed)
    } catch let failure as IngestFailure where !failure.retained.isEmpty {
        host.logger.error("ingest failed: \(failure)")
        return problem(
            .serviceUnavailable,
            "could not journal the events (\(failure.cause)); nothing was acknowledged, but the events of "
                + "\(failure.retained.joined(separator: ", ")) stay in the journal and will be counted after a restart")
    } catch {
        host.logger.error("ingest failed: \(error)")
        return problem(.serviceUnavailable, "could not journal the events (\(error)); nothing was kept, retry later")
    }
    if parsed.errors.isEmpty && parsed.invalid.isEmpty {
        // The common case, without JSONSerialization (measurably slow per request on Linux).
        return json(.accepted, Data("{\"accepted\":\(parsed.accepted),\"errors\":[],\"rejected\":0}".utf8))
    }
    func describe(_ e: RecordError) -> [String: Any] {
        var d: [String: Any] = ["index": e.index, "field": e.field, "reason": e.reason, "code": e.kind.rawValue]
        if let line = e.line { d["line"] = line }
        return d
    }
    var out: [String: Any] = ["accepted": parsed.accepted, "rejected": parsed.rejectedCount]
    out["errors"] = parsed.errors.map(describe)
    if parsed.errors.count < parsed.rejectedCount { out["errors_truncated"] = true }
    // Values counted invalid in accepted records (the record was kept).
    if !parsed.invalid.isEmpty { out["invalid"] = parsed.invalid.map(describe) }
    let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
    return json(.accepted, data)
}
