import Foundation

/// A path for a scratch SQLite database (nothing created yet).
func temporaryPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-test-\(UUID().uuidString).sqlite").path
}

/// Removes a scratch database with its WAL and shared-memory files.
func remove(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}
