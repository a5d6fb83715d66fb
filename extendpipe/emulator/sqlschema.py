"""The SQLite schema of the emulator store (created once, atomically, by store.Store)."""

SCHEMA = """
CREATE TABLE files (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT, data BLOB, url TEXT,
    raw_text TEXT, page_count INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
    workflow_id TEXT NOT NULL, workflow_name TEXT NOT NULL, workflow_version TEXT NOT NULL,
    name TEXT NOT NULL, status TEXT NOT NULL, metadata TEXT NOT NULL, file_id TEXT NOT NULL,
    batch_id TEXT, priority INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    start_time TEXT, end_time TEXT, failure_reason TEXT, failure_message TEXT,
    outputs TEXT NOT NULL DEFAULT '[]', step_runs TEXT NOT NULL DEFAULT '[]',
    claimed INTEGER NOT NULL DEFAULT 0, forced TEXT
);
CREATE INDEX runs_queue ON runs (status, priority, seq);
CREATE INDEX runs_updated ON runs (updated_at, seq);
CREATE INDEX runs_created ON runs (created_at, seq);
"""
