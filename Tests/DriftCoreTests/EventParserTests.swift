import DriftCore
import DriftRecords
import DriftStats
import Foundation
import Testing

/// The record contract (DESIGN.md) parsed from request bodies.
@Suite("Event parser")
struct EventParserTests {
    static let schema = try! Schema(features: [
        FeatureSpec(name: "x", kind: .numeric),
        FeatureSpec(name: "y", kind: .numeric),
        FeatureSpec(name: "c", kind: .categorical),
        FeatureSpec(name: "prediction", kind: .categorical, role: .prediction),
        FeatureSpec(name: "score", kind: .numeric, role: .score),
    ])
    static let parser = EventParser(models: [("m", schema)])

    func parse(_ text: String, _ format: EventFormat = .json, parser: EventParser = Self.parser) throws -> ParsedEvents
    {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { try parser.parse($0, format: format) }
    }

    @Test("a full record: features, prediction and score join the features, golden signals read")
    func fullRecord() throws {
        let p = try parse(
            #"{"model":"m","timestamp":"2026-11-21T10:00:00Z","request_id":"a1","features":{"x":1.5,"y":-2e3,"c":"eu"},"prediction":"setosa","#
                + #""score":0.93,"latency_ms":12.5,"status":"ok"}"#
        )
        #expect(p.accepted == 1 && p.rejectedCount == 0)
        let b = p.batches[0]
        // slots: numeric x, y, score; categorical c, prediction
        #expect(b.number(0, 0) == 1.5 && b.number(0, 1) == -2000 && b.number(0, 2) == 0.93)
        #expect(b.category(0, 0) == "eu" && b.category(0, 1) == "setosa")
        #expect(b.latencies[0] == 0.0125 && b.statuses[0] == "ok" && b.predictions[0] == "setosa")
    }

    @Test(
        "partial acceptance: a bad envelope refuses the record (index, field, reason); a bad value is counted invalid, its record kept"
    )
    func partial() throws {
        let p = try parse(
            #"[{"features":{"x":1}}, {"features":{"x":"abc","y":2}}, 7, {"nofeatures":1}, {"model":"other","features":{}}, "#
                + #"{"features":{"c":[1]}}, {"features":{"x":2},"latency_ms":-1}, {"features":{"y":3}}]"#
        )
        #expect(p.accepted == 4)
        #expect(p.errors.map(\.index) == [2, 3, 4, 6])
        #expect(p.errors[0].kind == .notAnObject)
        #expect(p.errors[1].kind == .missingFeatures && p.errors[1].field == "features")
        #expect(p.errors[2].kind == .unknownModel && p.errors[2].field == "model")
        #expect(p.errors[3].field == "latency_ms" && p.errors[3].kind == .wrongType)
        #expect(p.rejected[0] == [.wrongType: 1, .notAnObject: 1, .missingFeatures: 1, .unknownModel: 1])
        // The invalid values, by record and field; their records are in the batch.
        #expect(p.invalid.map(\.index) == [1, 5] && p.invalid.map(\.field) == ["features.x", "features.c"])
        #expect(p.invalid[0].reason == "expected a number, found string \"abc\"")
        #expect(p.invalid[1].reason == "expected a label, found array")
        let b = p.batches[0]
        #expect(b.number(0, 0) == 1)
        #expect(EventBatch.isInvalid(b.number(1, 0)) && b.number(1, 1) == 2)
        #expect(b.category(2, 0) == nil && b.invalidCategories == [2 * b.categoricalWidth + 0])
        #expect(b.number(3, 1) == 3)
    }

    @Test(
        "a nested value in a flat object is judged at the depth the first pass checked: a feature's value and an unknown key's alike"
    )
    func flatDepth() throws {
        for n in 55...66 {
            let nested = String(repeating: "[", count: n) + String(repeating: "]", count: n)
            let feature = try parse("{\"y\":1,\"x\":\(nested)}", .ndjson)
            let unknown = try parse("{\"y\":1,\"zz\":\(nested)}", .ndjson)
            #expect(feature.accepted == unknown.accepted && feature.rejected[0] == unknown.rejected[0], "depth \(n)")
        }
    }

    @Test("a key given twice: the last value stands, and only its problem is reported and counted")
    func duplicateKeys() throws {
        let p = try parse(
            #"[{"features":{"x":"a","x":1}}, {"features":{"x":1,"x":"b"}}, {"features":{"x":"c","x":"d","c":[1],"c":[2]}}]"#
        )
        #expect(p.accepted == 3)
        #expect(p.batches[0].number(0, 0) == 1 && EventBatch.isInvalid(p.batches[0].number(1, 0)))
        #expect(
            p.invalid.map(\.index) == [1, 2, 2] && p.invalid.map(\.field) == ["features.x", "features.x", "features.c"])
        #expect(
            p.invalid[0].reason == "expected a number, found string \"b\""
                && p.invalid[1].reason == "expected a number, found string \"d\"")
        #expect(p.invalidValues[0] == ["x": 2, "c": 1])
        #expect(p.batches[0].invalidCategories == [2 * p.batches[0].categoricalWidth])
    }

    @Test("a flat object's top-level keys are its features; one with no schema key is refused")
    func flat() throws {
        let p = try parse(
            #"[{"x":1.5,"c":"eu","prediction":"setosa","latency_ms":3,"extra":1}, {"status":"ok"}, {"prediction":"setosa"}]"#
        )
        #expect(p.accepted == 2 && p.errors.map(\.index) == [1])
        #expect(p.errors[0].kind == .missingFeatures)
        let b = p.batches[0]
        #expect(
            b.number(0, 0) == 1.5 && b.number(0, 1).isNaN && b.category(0, 0) == "eu" && b.category(0, 1) == "setosa")
        #expect(b.latencies[0] == 0.003 && b.predictions[0] == "setosa")
        #expect(p.unknownFeatures[0] == 1)
        #expect(b.category(1, 1) == "setosa" && b.number(1, 0).isNaN)
    }

    @Test("null, absent, empty and NaN strings are missing; numbers label categories without .0")
    func missing() throws {
        let p = try parse(#"{"features":{"x":null,"y":"NaN","c":3,"prediction":true}}"#)
        #expect(p.accepted == 1)
        let b = p.batches[0]
        #expect(b.number(0, 0).isNaN && b.number(0, 1).isNaN && b.number(0, 2).isNaN)
        #expect(b.category(0, 0) == "3" && b.category(0, 1) == "true")
        #expect(b.latencies[0].isNaN && b.statuses[0] == nil)
    }

    @Test("unknown feature keys are counted and ignored, never rejected")
    func unknownFeatures() throws {
        let p = try parse(#"{"features":{"x":1,"zzz":{"deep":[1,2]},"www":"a"}}"#)
        #expect(p.accepted == 1 && p.unknownFeatures[0] == 2)
        #expect(p.unknownFeatureNames[0] == ["zzz", "www"])
    }

    @Test("a malformed JSON array is refused whole with the byte offset")
    func malformedArray() throws {
        #expect(throws: EventParser.BodyError.self) { try parse(#"[{"features":{"x":1}}, {"features":{"x":1"#) }
        do {
            _ = try parse(#"[{"features":{"x":1}},, ]"#)
            Issue.record("expected an error")
        } catch let e as EventParser.BodyError {
            #expect(e.offset == 22)
        }
        #expect(throws: EventParser.BodyError.self) { try parse(#"{"features":{"x":01}}"#) }
        #expect(throws: EventParser.BodyError.self) { try parse(#"{"features":{"x":1}} trailing"#) }
        #expect(throws: EventParser.BodyError.self) { try parse(String(repeating: "[", count: 10_000)) }
        #expect(throws: EventParser.BodyError.self) { try parse("{\"features\":{\"c\":\"\u{01}\"}}") }
    }

    @Test("NDJSON: each line stands alone; blank lines skipped; CRLF accepted")
    func ndjson() throws {
        let p = try parse("{\"features\":{\"x\":1}}\r\n\n{\"features\":{\"x\":\n{\"features\":{\"x\":3}}\n", .ndjson)
        #expect(p.accepted == 2)
        #expect(p.errors.count == 1 && p.errors[0].index == 1 && p.errors[0].kind == .malformedJSON)
    }

    @Test("string escapes and unicode decode as JSONSerialization does")
    func escapes() throws {
        let label = "a\"b\\c/d\u{8}\u{C}\n\r\t é 😀 \u{1}"
        let encoded = String(
            decoding: try JSONSerialization.data(withJSONObject: ["features": ["c": label]]), as: UTF8.self)
        let p = try parse(encoded)
        #expect(p.batches[0].category(0, 0) == label)
        let q = try parse(#"{"features":{"c":"\ud83d\ude00\u00e9"}}"#)
        #expect(q.batches[0].category(0, 0) == "😀é")
        #expect(throws: EventParser.BodyError.self) { try parse(#"{"features":{"c":"\ud83d"}}"#) }
    }

    @Test("numbers are correctly rounded (random decimals agree with Double(String))")
    func numbers() throws {
        var g = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let mantissa = Int64(bitPattern: g.next()) % 10_000_000_000
            let exponent = Int(g.next() % 40) - 20
            let text = "\(mantissa)e\(exponent)"
            let p = try parse("{\"features\":{\"x\":\(text)}}")
            #expect(p.batches[0].number(0, 0) == Double(text)!, "\(text)")
        }
        let big = try parse(#"{"features":{"x":1e999}}"#)
        #expect(big.accepted == 1 && big.errors.isEmpty && big.invalid[0].reason.contains("out of range"))
        #expect(EventBatch.isInvalid(big.batches[0].number(0, 0)))
    }

    @Test("several models: records route by model; without one it is required")
    func multiModel() throws {
        let other = try Schema(features: [FeatureSpec(name: "z", kind: .numeric)])
        let parser = EventParser(models: [("m", Self.schema), ("n", other)])
        let p = try parse(
            #"[{"model":"n","features":{"z":1}}, {"features":{"x":1},"model":"m"}, {"features":{"x":1}}]"#,
            parser: parser)
        #expect(p.batches[0].count == 1 && p.batches[1].count == 1)
        #expect(p.errors.count == 1 && p.errors[0].field == "model")
    }
}
