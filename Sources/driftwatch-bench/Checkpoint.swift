import DriftMonitor
import DriftCore
import DriftRecords
import DriftStats
import Foundation

/// `driftwatch-bench checkpoint`: bytes a sidecar writes per day for a 100k × 15 window (15 numeric
/// features) with checkpoint_every 10 s, at 100 and 5 000 events/s: the journal (every event once),
/// and window checkpoints as `CheckpointPolicy` decides them, against rewriting the window at every
/// tick (the policy before it). The full checkpoint's size is measured on a full window; the
/// journal's per event from an encoded batch of 100 (frame header and entry time included); the
/// ticks of one day are driven through the real policy.
func checkpointBenchmark() {
    let width = 15, capacity = 100_000, tick = 10.0
    let schema = try! Schema(features: (0..<width).map { FeatureSpec(name: "f\($0)", kind: .numeric) })
    var builder = try! BaselineBuilder(schema: schema)
    var g = SplitMix64(seed: 3)
    var reference = EventBatch(schema: schema)
    for _ in 0..<5_000 {
        reference.append(
            numbers: (0..<width).map { _ in g.nextUnit() }, categories: [], latency: .nan, status: nil, prediction: nil)
    }
    builder.add(reference)
    let baseline = try! builder.finish()
    func batch(_ n: Int) -> EventBatch {
        var b = EventBatch(schema: schema)
        for _ in 0..<n {
            b.append(
                numbers: (0..<width).map { _ in g.nextUnit() }, categories: [], latency: 0.012, status: "ok",
                prediction: nil)
        }
        return b
    }
    var config = WindowConfig()
    config.maxRecords = capacity
    config.maxAge = nil
    var window = StreamWindow(baseline: baseline, config: config, start: 0)
    for _ in 0..<(capacity / 1_000) { window.insert(batch(1_000), at: 1) }
    var full = 0
    window.writeCheckpoint { full += $0.count }
    var w = BinaryWriter()
    batch(100).encode(into: &w)
    let journalPerEvent = Double(w.bytes.count + 8 + 9) / 100  // frame (length, CRC) + time + tail flag

    print(
        "driftwatch-bench checkpoint — \(capacity) × \(width) window, checkpoint_every \(Int(tick)) s; full checkpoint "
            + "\(ConfigValues.format(bytes: full)), journal \(String(format: "%.0f", journalPerEvent)) B/event")
    print(
        "events/s  journal/day  checkpoints/day (every tick)  checkpoints/day (policy)  full ones/day  total vs every tick"
    )
    for rate in [100, 5_000] {
        var policy = CheckpointPolicy(windowRecords: capacity)
        policy.started(journalCovers: true, replayed: capacity)  // a full window from the start
        var fulls = 0
        let ticks = Int(86_400 / tick)
        for _ in 0..<ticks {
            policy.journaled(Int(Double(rate) * tick))
            if policy.decide(changed: true) == .writeFull {
                policy.fullStarted()
                fulls += 1
            }
        }
        let journal = journalPerEvent * Double(rate) * 86_400
        let every = Double(full) * Double(ticks), withPolicy = Double(full) * Double(fulls)
        func gb(_ b: Double) -> String { String(format: "%.2f GB", b / 1e9) }
        print(
            "\(String(rate).padding(toLength: 8, withPad: " ", startingAt: 0))  \(gb(journal).padding(toLength: 11, withPad: " ", startingAt: 0))  "
                + "\(gb(every).padding(toLength: 28, withPad: " ", startingAt: 0))  "
                + "\(gb(withPolicy).padding(toLength: 24, withPad: " ", startingAt: 0))  "
                + "\(String(fulls).padding(toLength: 13, withPad: " ", startingAt: 0))  "
                + String(format: "%.1f× less", (journal + every) / (journal + withPolicy)))
    }
}
