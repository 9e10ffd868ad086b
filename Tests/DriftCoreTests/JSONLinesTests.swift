import DriftCore
import DriftRecords
import DriftStats
import Testing

@Suite("JSON lines and typing")
struct JSONLinesTests {
    static let schema = try! Schema(features: [
        FeatureSpec(name: "x", kind: .numeric),
        FeatureSpec(name: "colour", kind: .categorical),
        FeatureSpec(name: "prediction", kind: .categorical, role: .prediction),
        FeatureSpec(name: "score", kind: .numeric, role: .score),
    ])

    @Test("the record contract and flat objects; null and NaN missing; booleans are not numbers")
    func shapes() throws {
        let text = """
            {"model":"m","features":{"x":1.5,"colour":"red","extra":1},"prediction":"yes","score":0.9,"latency_ms":3}
            {"x":null,"colour":7,"prediction":true,"score":"NaN"}

            {"x":true,"colour":["a"],"score":1e308}
            {"model":"other","features":{"x":1}}
            """
        let (reader, rows) = try readRows(Array(text.utf8), format: .jsonl, schema: Self.schema, chunk: 7)
        #expect(rows.count == 3)
        #expect(rows[0].numbers[0] == 1.5 && rows[0].numberStates[0] == .present)
        #expect(rows[0].categories == ["red", "yes"])
        #expect(rows[0].numbers[1] == 0.9)
        #expect(rows[1].numberStates == [.missing, .missing])
        #expect(rows[1].categories == ["7", "true"])
        #expect(rows[2].numberStates[0] == .invalid)
        #expect(rows[2].categoryStates == [.invalid, .missing])
        // 1e308 is beyond NumberParser.maxMagnitude: out of range, as it is in CSV and on ingest.
        #expect(rows[2].numberStates[1] == .invalid)
        #expect(reader.invalidExamples.map(\.feature) == ["x", "colour", "score"])
        #expect(reader.invalidExamples.map(\.line) == [4, 4, 4])
        #expect(reader.unknownColumns.contains("extra"))
        #expect(reader.skippedOtherModels == 1 && reader.rejectedCount == 0)
    }

    @Test(
        "JSON lines parsed in parallel pieces give the serial rows, refusals (with record index and line), invalid examples",
        arguments: [(2, 97), (3, 4096), (4, 1 << 20)])
    func parallelLines(parallelism: Int, chunk: Int) throws {
        var g = SplitMix64(seed: UInt64(chunk))
        let menu = [
            #"{"model":"m","features":{"x":1.5,"colour":"red"},"prediction":"yes","score":0.25}"#,
            #"{"x":"abc","colour":"blue"}"#,
            #"{"x":true,"colour":"gr\u00e9en"}"#,
            "", "  \r",
            #"{"model":"other","features":{"x":1}}"#,
            #"{"features":{"x":2,"unknown_key":3}}"#,
            #"{"x": 1, "#,
            "[1,2]",
            #"{"features":{"x":1e999,"colour":"blue"}}"#,
        ]
        var text = ""
        for _ in 0..<3000 { text += menu[Int(g.next() % UInt64(menu.count))] + "\n" }
        let bytes = Array(text.utf8)
        func read(_ parallelism: Int, _ chunk: Int) throws -> (TableReader, [String]) {
            var reader = TableReader(format: .jsonl, schema: Self.schema, model: "m")
            reader.workers = .dispatch(parallelism)
            reader.minPieceBytes = 1
            var rows: [String] = []
            let sink: TableReader.Sink = { batch, _ in
                rows += batch.rows.map {
                    "\($0.numbers.map(\.bitPattern)) \($0.numberStates) \($0.categories) \($0.categoryStates)"
                }
            }
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + chunk)
                try reader.feed(Array(bytes[start..<end]), sink)
                start = end
            }
            try reader.finish(sink)
            return (reader, rows)
        }
        let (serial, serialRows) = try read(1, bytes.count)
        let (parallel, parallelRows) = try read(parallelism, chunk)
        #expect(parallelRows == serialRows && parallel.rows == serial.rows)
        #expect(parallel.rejected == serial.rejected && parallel.rejectedExamples == serial.rejectedExamples)
        #expect(parallel.invalidExamples == serial.invalidExamples)
        #expect(
            parallel.skippedOtherModels == serial.skippedOtherModels && parallel.unknownColumns == serial.unknownColumns
        )
        // The input exercises every outcome (the equalities above are not vacuous).
        #expect(serial.rows > 1000 && serial.rejectedCount > 300 && serial.skippedOtherModels > 200)
        #expect(
            serial.rejectedExamples.count == 20 && serial.invalidExamples.count == 20
                && serial.unknownColumns == ["unknown_key"])
        #expect(Set(serial.rejectedExamples.map(\.index)).count == 20)
    }

    @Test("schema inference looks only at this model's records")
    func inferenceSkipsOtherModels() throws {
        var text = ""
        for i in 0..<30 { text += "{\"model\":\"other\",\"features\":{\"z\":\"k\(i)\"}}\n" }
        for i in 0..<30 { text += "{\"model\":\"m\",\"features\":{\"x\":\(i)}}\n{\"x\":\(i),\"colour\":\"red\"}\n" }
        let (reader, rows) = try readRows(Array(text.utf8), format: .jsonl, chunk: 100)
        #expect(
            reader.schema?.features == [
                FeatureSpec(name: "x", kind: .numeric), FeatureSpec(name: "colour", kind: .categorical),
            ])
        #expect(rows.count == 60 && reader.skippedOtherModels == 30 && reader.rejectedCount == 0)
    }

    @Test("a line over max_line_bytes is an error naming it, also when its break arrives in a later chunk")
    func longLine() throws {
        var reader = TableReader(format: .jsonl, schema: Self.schema, model: "m")
        reader.maxLineBytes = 100
        let long = "{\"x\":1,\"colour\":\"" + String(repeating: "a", count: 90) + "\"}"  // 110 bytes
        let bytes = Array(("{\"x\":2}\n" + long + "\n").utf8)
        do {
            try reader.feed(Array(bytes[0..<70])) { _, _ in }
            try reader.feed(Array(bytes[70...])) { _, _ in }  // the long line's break is in here
            try reader.finish { _, _ in }
            Issue.record("no error")
        } catch let e as InputError {
            #expect(e.line == 2 && e.message == "line longer than 100 bytes")
        }
    }

    @Test("malformed JSON and non-objects are refused by line, the rest is read")
    func malformed() throws {
        let text = "{\"x\":1}\n{\"x\": tru}\n[1,2]\n{\"features\":[1]}\n{\"x\":2}\n"
        let (reader, rows) = try readRows(Array(text.utf8), format: .jsonl, schema: Self.schema, chunk: 5)
        #expect(rows.map { $0.numbers[0] } == [1, 2])
        #expect(reader.rejected == [.malformedJSON: 1, .notAnObject: 1, .missingFeatures: 1])
        #expect(reader.rejectedExamples.map(\.line) == [2, 3, 4])
        #expect(reader.rejectedExamples[0].reason.hasPrefix("malformed JSON"))
        #expect(reader.rejectedExamples[1].reason == "expected a JSON object, found array")
    }
}

@Suite("Schema inference")
struct SchemaInferenceTests {
    @Test("numbers numeric, text and booleans categorical, integer classes for prediction, score numeric")
    func rules() throws {
        let csv = """
            id,age,flag,city,prediction,score,rooms,empty
            1,31.5,true,paris,0,0.9,2,
            2,,false,lyon,1,0.1,3,
            3,40,true,"nice, sud",2,0.5,2,
            """
        var options = SchemaInference.Options()
        options.exclude = ["id"]
        let (reader, rows) = try readRows(Array(csv.utf8), format: .csv, options: options)
        let schema = try #require(reader.schema)
        #expect(
            schema.features == [
                FeatureSpec(name: "age", kind: .numeric),
                FeatureSpec(name: "flag", kind: .categorical),
                FeatureSpec(name: "city", kind: .categorical),
                FeatureSpec(name: "prediction", kind: .categorical, role: .prediction),
                FeatureSpec(name: "score", kind: .numeric, role: .score),
                FeatureSpec(name: "rooms", kind: .numeric),
                FeatureSpec(name: "empty", kind: .categorical),
            ])
        #expect(rows.count == 3)
        #expect(rows[1].numberStates[0] == .missing)
        #expect(rows[2].categories[1] == "nice, sud")
        #expect(reader.notes.contains { $0.contains("\"empty\" has no values") })
    }

    @Test("--categorical forces; many distinct numeric predictions are a regression output")
    func forced() throws {
        var lines = ["zip,prediction"]
        for i in 0..<200 { lines.append("\(10000 + i % 7),\(Double(i) * 0.37)") }
        var options = SchemaInference.Options()
        options.categorical = ["zip"]
        let (reader, _) = try readRows(Array(lines.joined(separator: "\n").utf8), format: .csv, options: options)
        #expect(
            reader.schema?.features == [
                FeatureSpec(name: "zip", kind: .categorical),
                FeatureSpec(name: "prediction", kind: .numeric, role: .prediction),
            ])
    }

    @Test("a row with the wrong field count names line and column")
    func fieldCount() throws {
        do {
            _ = try readRows(Array("a,b\n1,2\n3\n".utf8), format: .csv)
            Issue.record("no error")
        } catch let e as InputError {
            #expect(e.line == 3 && e.column == 2)
            #expect(e.message == "expected 2 fields as in the header, found 1")
        }
    }
}
