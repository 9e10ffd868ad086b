import GRDB

/// The store's schema, every migration in order (GRDB's `DatabaseMigrator`: each runs once, in a
/// transaction, in the order registered). Add a migration at the end; never edit one that has
/// shipped. Opening read-only checks that all of them ran (`Store.init`).
extension Store {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        // Baselines (`Store+Baselines.swift`): immutable rows, checksummed.
        m.registerMigration("v1 baselines") { db in
            try db.execute(
                sql: """
                    CREATE TABLE baseline (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model TEXT NOT NULL,
                        version TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        source TEXT NOT NULL,
                        rows INTEGER NOT NULL,
                        features INTEGER NOT NULL,
                        format INTEGER NOT NULL,
                        profile_json BLOB NOT NULL,
                        samples BLOB NOT NULL,
                        checksum TEXT NOT NULL,
                        UNIQUE (model, version)
                    );
                    CREATE TRIGGER baseline_immutable BEFORE UPDATE ON baseline
                    BEGIN SELECT RAISE(ABORT, 'baselines are immutable'); END;
                    """)
        }
        // Window checkpoints and tail offsets (`Store+Checkpoints.swift`).
        m.registerMigration("v2 checkpoints") { db in
            try db.execute(
                sql: """
                    CREATE TABLE window_checkpoint (
                        model TEXT PRIMARY KEY,
                        baseline_version TEXT NOT NULL,
                        window BLOB NOT NULL,
                        next_segment INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        checksum TEXT NOT NULL
                    );
                    CREATE TABLE tail_offset (
                        source TEXT PRIMARY KEY,
                        device INTEGER NOT NULL,
                        inode INTEGER NOT NULL,
                        offset INTEGER NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    """)
        }

        // Alert-engine state and the notification outbox (`Store+Alerts.swift`).
        m.registerMigration("v3 alerts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE alert_state (
                        model TEXT PRIMARY KEY,
                        state BLOB NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE TABLE alert_outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        receiver TEXT NOT NULL,
                        model TEXT NOT NULL,
                        body BLOB NOT NULL,
                        created_at REAL NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL NOT NULL,
                        last_error TEXT
                    );
                    CREATE INDEX alert_outbox_receiver ON alert_outbox (receiver, id);
                    """)
        }

        // Checkpoints in parts of about 1 MiB (`window_checkpoint_part`), written as the window
        // streams them: one 11 MB blob meant the bytes, a `Data` copy and SQLite's own copy of the
        // bound blob at once. Rows of "v2" with the whole window in `window` still load.
        m.registerMigration("v4 checkpoint parts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE window_checkpoint_part (
                        model TEXT NOT NULL,
                        part INTEGER NOT NULL,
                        bytes BLOB NOT NULL,
                        PRIMARY KEY (model, part)
                    );
                    """)
        }

        return m
    }
}
