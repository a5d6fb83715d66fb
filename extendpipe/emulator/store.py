"""SQLite store for files and runs (and, in memory, the page-token snapshots of run listings).

One connection per unit of work, inside `closing()` and a transaction; parameterised SQL; WAL mode.
The schema is created atomically: built in a temporary file, then moved into place with `os.replace`.
Uploaded bytes live in the database (BLOB column), so one file holds the whole emulator state.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from .pagination import Snapshots
from .sqlschema import SCHEMA
from .writers import writer_queue

log = logging.getLogger(__name__)

INSERT_FILE = (
    "INSERT INTO files (id, name, type, data, url, raw_text, page_count, created_at, updated_at)"
    " VALUES (:id, :name, :type, :data, :url, :raw_text, :page_count, :created_at, :updated_at)"
)
FILE_DEFAULTS = {"url": None, "data": None, "raw_text": None, "page_count": None}
JSON_COLUMNS = ("metadata", "outputs", "step_runs")
SORT_COLUMNS = {"updatedAt": "updated_at", "createdAt": "created_at"}
RUN_FIELDS = (
    "id",
    "workflow_id",
    "workflow_name",
    "workflow_version",
    "name",
    "status",
    "metadata",
    "file_id",
    "batch_id",
    "priority",
    "created_at",
    "updated_at",
    "forced",
)


# SQLite's result codes for a store that cannot be written: full, I/O error, cannot open, read-only.
_STORAGE_CODES = {13: "database or disk is full", 10: "disk I/O error", 14: "unable to open database file",
                  8: "attempt to write a readonly database"}


def is_storage_failure(exc: BaseException) -> bool:
    """The store's disk or folder failed (not a bug, not a busy lock): a full disk, a read-only mount."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in _STORAGE_CODES
    return any(str(exc).startswith(text) for text in _STORAGE_CODES.values())


def _row_to_dict(row: sqlite3.Row) -> dict[str, Any]:
    record = dict(row)
    for key in JSON_COLUMNS:
        if key in record and record[key] is not None:
            record[key] = json.loads(record[key])
    return record


class Store:
    """All persistence. Every public method is one transaction on its own connection."""

    def __init__(self, db_path: str | os.PathLike[str]):
        self.path = Path(db_path)
        self._claim_lock = threading.Lock()
        self.snapshots = Snapshots()
        self._local = threading.local()
        self._keeper: sqlite3.Connection | None = None
        self.failure: BaseException | None = None  # the first time the store could not be written
        if not self.path.exists():
            self._create()

    def _noted(self, exc: BaseException) -> None:
        """Remember (and log, once) that the store's disk failed: every write is then likely to fail."""
        if is_storage_failure(exc) and self.failure is None:
            self.failure = exc
            log.error("%s: the emulator's store cannot be written: %s", self.path, exc)

    def keep_open(self) -> None:
        """Hold one idle connection until close(). When the last connection to a WAL database closes,
        SQLite checkpoints the WAL into the database and deletes it, with an fsync; without a keeper
        that happened after almost every write (~1-2 ms each, ten times the write itself)."""
        if self._keeper is None:
            keeper = sqlite3.connect(self.path, check_same_thread=False)
            try:
                keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the WAL
            except sqlite3.Error as exc:
                keeper.close()
                self._noted(exc)
                raise
            self._keeper = keeper

    def close(self) -> None:
        """Close the keeper connection (the store stays usable)."""
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.close()

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".emulator-", suffix=".sqlite3", dir=self.path.parent)
        os.close(fd)
        try:
            with closing(sqlite3.connect(tmp)) as conn:
                conn.executescript(SCHEMA)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.commit()
            os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction, committed on success; every statement in it sees one state.

        A `write` transaction takes SQLite's write lock up front (BEGIN IMMEDIATE), after queueing for it
        first come, first served among this process's writers (`writers.py`; the engine's threads go
        first, see `urgent`). Left to SQLite's busy handler, which polls with sleeps of up to 100 ms,
        writers were served in no order: with 200 clients creating runs while the workers processed
        them, some creates waited close to the 30 s busy timeout, past which they fail with "database is
        locked". Reads are deferred transactions: in WAL mode they read a snapshot and never wait."""
        turn = writer_queue(self.path).turn(getattr(self._local, "urgent", False)) if write else nullcontext()
        try:
            with closing(sqlite3.connect(self.path, timeout=30)) as conn:
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA synchronous=NORMAL")
                with turn, conn:
                    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                    yield conn
        except sqlite3.OperationalError as exc:
            self._noted(exc)
            raise

    @contextmanager
    def urgent(self) -> Iterator[None]:
        """Writes from this thread go before queued API writes: the engine's threads use it, so runs
        keep moving while many clients hammer the API."""
        self._local.urgent = True
        try:
            yield
        finally:
            self._local.urgent = False

    # Files.
    def insert_file(self, record: dict[str, Any]) -> None:
        with self._tx(write=True) as conn:
            conn.execute(INSERT_FILE, {**FILE_DEFAULTS, **record})

    def get_file(self, file_id: str, *, with_data: bool = False) -> dict[str, Any] | None:
        columns = "*" if with_data else "id, name, type, url, raw_text, page_count, created_at, updated_at"
        with self._tx() as conn:
            row = conn.execute(f"SELECT {columns} FROM files WHERE id = ?", (file_id,)).fetchone()
        return dict(row) if row else None

    def get_files(self, file_ids: list[str]) -> dict[str, dict[str, Any]]:
        if not file_ids:
            return {}
        marks = ",".join("?" * len(file_ids))
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT id, name, type, url, raw_text, page_count, created_at, updated_at"
                f" FROM files WHERE id IN ({marks})",
                file_ids,
            ).fetchall()
        return {row["id"]: dict(row) for row in rows}

    def update_file(self, file_id: str, **fields: Any) -> None:
        assignments = ", ".join(f"{key} = :{key}" for key in fields)
        with self._tx(write=True) as conn:
            conn.execute(f"UPDATE files SET {assignments} WHERE id = :id", {**fields, "id": file_id})

    # Runs.
    def insert_runs(self, runs: list[dict[str, Any]], files: list[dict[str, Any]] = ()) -> None:
        """Insert new files (raw texts) and runs together: all or nothing."""
        with self._tx(write=True) as conn:
            for record in files:
                conn.execute(INSERT_FILE, {**FILE_DEFAULTS, **record})
            columns, marks = ", ".join(RUN_FIELDS), ", ".join(":" + key for key in RUN_FIELDS)
            for run in runs:
                values = {key: run.get(key) for key in RUN_FIELDS}
                values["metadata"] = json.dumps(values["metadata"] or {})
                conn.execute(
                    f"INSERT INTO runs ({columns}) VALUES ({marks})",
                    values,
                )

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        with self._tx() as conn:
            row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _row_to_dict(row) if row else None

    def update_run(self, run_id: str, *, only_if_status: tuple[str, ...] = (), **fields: Any) -> bool:
        """Set columns on a run; with `only_if_status`, only when its status is one of those."""
        values = {key: json.dumps(val) if key in JSON_COLUMNS else val for key, val in fields.items()}
        sql = "UPDATE runs SET " + ", ".join(f"{key} = :{key}" for key in values) + " WHERE id = :_id"
        params: dict[str, Any] = {**values, "_id": run_id}
        if only_if_status:
            sql += " AND status IN (" + ",".join(f":_s{i}" for i in range(len(only_if_status))) + ")"
            params.update({f"_s{i}": status for i, status in enumerate(only_if_status)})
        with self._tx(write=True) as conn:
            return conn.execute(sql, params).rowcount == 1

    def merge_run(
        self, run_id: str, *, name: str | None, metadata: dict[str, Any] | None, updated_at: str
    ) -> bool:
        """Rename a run and merge metadata (incoming keys win) in one transaction."""
        with self._tx(write=True) as conn:
            row = conn.execute("SELECT name, metadata FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                return False
            merged = {**json.loads(row["metadata"]), **(metadata or {})}
            conn.execute(
                "UPDATE runs SET name = ?, metadata = ?, updated_at = ? WHERE id = ?",
                (name if name is not None else row["name"], json.dumps(merged), updated_at, run_id),
            )
        return True

    def delete_run(self, run_id: str) -> bool:
        with self._tx(write=True) as conn:
            return conn.execute("DELETE FROM runs WHERE id = ?", (run_id,)).rowcount == 1

    def claim_next(self, started_at: str) -> dict[str, Any] | None:
        """Move the first PENDING run (priority, then creation order) to PROCESSING and return it."""
        with self._claim_lock, self._tx(write=True) as conn:
            row = conn.execute(
                "SELECT id FROM runs WHERE status = 'PENDING' ORDER BY priority, seq LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE runs SET status = 'PROCESSING', claimed = 1, start_time = ?, updated_at = ?"
                " WHERE id = ?",
                (started_at, started_at, row["id"]),
            )
            claimed = conn.execute("SELECT * FROM runs WHERE id = ?", (row["id"],)).fetchone()
        return _row_to_dict(claimed)

    def unclaimed_cancelling(self) -> list[str]:
        with self._tx() as conn:
            rows = conn.execute("SELECT id FROM runs WHERE status = 'CANCELLING' AND claimed = 0").fetchall()
        return [row["id"] for row in rows]

    def recover(self, at: str) -> None:
        """After a restart: interrupted PROCESSING runs go back to PENDING; CANCELLING ones finish."""
        with self._tx(write=True) as conn:
            conn.execute(
                "UPDATE runs SET status = 'PENDING', claimed = 0, start_time = NULL, updated_at = ?"
                " WHERE status = 'PROCESSING'",
                (at,),
            )
            conn.execute("UPDATE runs SET claimed = 0 WHERE status = 'CANCELLING'")

    def count_status(self, statuses: tuple[str, ...]) -> int:
        marks = ",".join("?" * len(statuses))
        with self._tx() as conn:
            return conn.execute(f"SELECT COUNT(*) FROM runs WHERE status IN ({marks})", statuses).fetchone()[
                0
            ]

    # Listing.
    @staticmethod
    def _where(filters: dict[str, str]) -> tuple[str, list[Any]]:
        clauses, params = [], []
        for key, column in (("status", "status"), ("workflowId", "workflow_id"), ("batchId", "batch_id")):
            if filters.get(key) is not None:
                clauses.append(f"{column} = ?")
                params.append(filters[key])
        if filters.get("fileNameContains"):  # the run's name (fileName) or its file's name
            clauses.append(
                "(instr(lower(name), lower(?)) > 0"
                " OR file_id IN (SELECT id FROM files WHERE instr(lower(name), lower(?)) > 0))"
            )
            params += [filters["fileNameContains"]] * 2
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def list_first_page(
        self,
        filters: dict[str, str],
        sort_by: str,
        sort_dir: str,
        size: int,
        snapshot_id: str,
        filter_hash: str,
    ) -> tuple[list[dict[str, Any]], bool]:
        """First page of a listing. When more pages follow, the full ordering is frozen as a snapshot.

        Returns (rows, has_more). See `pagination.py` for why pages come from a snapshot (kept in memory:
        a listing takes no write lock).
        """
        where, params = self._where(filters)
        column = SORT_COLUMNS[sort_by]
        direction = "DESC" if sort_dir == "desc" else "ASC"
        order = f" ORDER BY {column} {direction}, seq {direction}"
        with self._tx() as conn:
            seqs = [row[0] for row in conn.execute(f"SELECT seq FROM runs{where}{order}", params)]
            rows = _rows_by_seq(conn, seqs[:size])
        if len(seqs) <= size:
            return rows, False
        self.snapshots.put(snapshot_id, filter_hash, seqs)
        return rows, True

    def list_next_page(
        self, snapshot_id: str, pos: int, size: int
    ) -> tuple[list[dict[str, Any]], bool, str | None]:
        """A later page from a snapshot: (rows, has_more, filter_hash); filter_hash None if unknown."""
        found = self.snapshots.page(snapshot_id, pos, size)
        if found is None:
            return [], False, None
        filter_hash, seqs, more = found
        with self._tx() as conn:
            rows = _rows_by_seq(conn, seqs)
        return rows, more, filter_hash


def _rows_by_seq(conn: sqlite3.Connection, seqs: list[int]) -> list[dict[str, Any]]:
    """The runs with these seqs, in this order; runs deleted meanwhile are left out."""
    found: dict[int, sqlite3.Row] = {}
    for start in range(0, len(seqs), 500):  # under the 999 bound-parameter limit of older SQLite
        chunk = seqs[start : start + 500]
        query = f"SELECT * FROM runs WHERE seq IN ({','.join('?' * len(chunk))})"
        found.update((row["seq"], row) for row in conn.execute(query, chunk))
    return [_row_to_dict(found[seq]) for seq in seqs if seq in found]
