"""Loads routed through the one writer.

DuckDB lets one process write a database file, and a process holding it open
read-write locks out every other process. The dashboard holds the warehouse
open while it runs, so a command-line load (or backup, undo, even the batch
list, which only reads) cannot open it. Instead
the command hands its job to the dashboard through a folder beside the
warehouse, `<warehouse>.inbox/`:

  <job>/request.json   written by the client: {"op": "load" | "backup" | "undo" |
                       "batches", ...}
  <job>/result.json    written by the dashboard's worker thread when done
  worker.json          the worker's heartbeat (pid, time), refreshed every second

The worker runs the job with the same functions (and the same write lock) an
upload uses, so jobs and uploads take turns; the client waits for the result.
It writes each load, undo and backup to the audit log (the client cannot: it
has no connection), as done by the operating-system account that owns the request
file, so a routed command is recorded once, by the process that did it.
A command that only read (the weekly report) records its export with an
"audit" job (`record_audit`).
"""
from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import asdict
from pathlib import Path

import duckdb

from auth.audit import BACKUP, os_user, record_cli, upload_detail

from .backup import backup
from .batches import batches_json, undo_batch
from .errors import PipelineError
from .load import load_file
from .settings import warehouse_path
from .warehouse import connect

HEARTBEAT_S = 1.0
STALE_S = 5.0
# What an "audit" job may record: the export of a command that only read, and
# an account change `python -m auth` made to the users file.
AUDIT_JOBS = ("export", "users")


def inbox_dir(db: str | Path | None = None) -> Path:
    db = Path(db) if db else warehouse_path()
    return db.with_name(db.name + ".inbox")


def _write_json(path: Path, data) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)  # readers never see half a file


def worker_alive(folder: Path) -> bool:
    beat = folder / "worker.json"
    try:
        data = json.loads(beat.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if time.time() - data.get("time", 0) > STALE_S:
        return False
    try:
        os.kill(int(data["pid"]), 0)
    except (OSError, KeyError, ValueError):
        return False
    return True


def submit(folder: Path, request: dict, timeout_s: float = 3600,
           poll_s: float = 0.2) -> dict:
    """Hand a job to the running dashboard and wait for its result."""
    job = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    job.mkdir(parents=True)
    _write_json(job / "request.json", request)
    deadline = time.monotonic() + timeout_s
    result = job / "result.json"
    while time.monotonic() < deadline:
        if result.exists():
            return json.loads(result.read_text(encoding="utf-8"))
        if not worker_alive(folder):
            break
        time.sleep(poll_s)
    return {"error": "worker_gone"}


def record_audit(db: str | Path, action: str, target: str | None = None,
                 detail: str | None = None, retries: int = 20) -> None:
    """Record what a command did in the warehouse's audit log, from a process
    that holds no writable connection (the weekly report reads read-only or
    from a snapshot): directly, through the running dashboard, or after
    waiting for another writer (PipelineError `warehouse_busy` if it never
    lets go, `audit_failed` if the dashboard could not record it)."""
    try:
        con = connect(db)
    except PipelineError as exc:
        if exc.code != "warehouse_busy":
            raise
        folder = inbox_dir(db)
        if worker_alive(folder):
            result = submit(folder, {"op": "audit", "action": action, "target": target,
                                     "detail": detail})
            if "error" in result:
                raise PipelineError("audit_failed", detail=result["error"]) from exc
            return
        con = connect(db, retries=retries)
    try:
        record_cli(con, action, target, detail)
    finally:
        con.close()


def _requester(request_file: Path) -> str:
    """The operating-system account that wrote the request."""
    return os_user(request_file.stat().st_uid)


class InboxWorker:
    """The dashboard side: a daemon thread serving jobs in arrival order."""

    def __init__(self, con: duckdb.DuckDBPyConnection, folder: Path,
                 on_change=None):
        self.con, self.folder, self.on_change = con, folder, on_change
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="heatkpi-inbox", daemon=True)

    def start(self) -> "InboxWorker":
        self.folder.mkdir(parents=True, exist_ok=True)
        self._beat()
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)

    def _beat(self) -> None:
        _write_json(self.folder / "worker.json", {"pid": os.getpid(), "time": time.time()})

    def _run(self) -> None:
        while not self._stop.is_set():
            self._beat()
            self.serve_pending()
            self._stop.wait(HEARTBEAT_S)

    def serve_pending(self) -> int:
        """Run every job without a result, oldest first; returns how many ran."""
        done = 0
        for request in sorted(self.folder.glob("*/request.json")):
            if (request.parent / "result.json").exists():
                continue
            _write_json(request.parent / "result.json", self._serve(request))
            done += 1
        if done and self.on_change:
            self.on_change()
        return done

    def _serve(self, request_file: Path) -> dict:
        req: dict = {}
        try:
            req = json.loads(request_file.read_text(encoding="utf-8"))
            actor = _requester(request_file)
            if req["op"] == "load":
                reports = []
                for f in req["files"]:
                    r = load_file(self.con, f, kind=req.get("kind"),
                                  user=req.get("user") or "cli", lang=req.get("lang", "zh"))
                    record_cli(self.con, "upload", target=str(f), actor=actor,
                               label=req.get("user"),
                               detail=upload_detail(r.status, r.batch_id, r.rows_read,
                                                    r.rows_rejected))
                    reports.append(r)
                # The time each load took is no key of a report's JSON shape
                # (load --json): it travels beside it, for the summaries.
                return {"reports": [r.asdict() for r in reports],
                        "summaries": [r.summary(req.get("lang", "zh")) for r in reports],
                        "warnings": [r.warnings for r in reports],
                        "seconds": [r.seconds for r in reports]}
            if req["op"] == "backup":
                report = backup(self.con, req["folder"])
                record_cli(self.con, "export", target=str(Path(report.folder).resolve()),
                           detail=BACKUP, actor=actor)
                return {"backup": {"folder": report.folder, "rows": report.rows}}
            if req["op"] == "batches":
                return {"batches": batches_json(self.con)}
            if req["op"] == "undo":
                report = undo_batch(self.con, int(req["batch"]), user=req.get("user") or "cli")
                record_cli(self.con, "undo", target=f"batch {report.batch_id}",
                           detail=report.file_name, label=req.get("user"), actor=actor)
                return {"undo": asdict(report)}
            if req["op"] == "audit":
                if req.get("action") not in AUDIT_JOBS:
                    return {"error": f"no audit job for {req.get('action')}"}
                record_cli(self.con, req["action"], req.get("target"), req.get("detail"),
                           actor=actor)
                return {"recorded": True}
            return {"error": f"unknown op {req['op']}"}
        except PipelineError as exc:
            return {"error": exc.message(req.get("lang", "zh")), "code": exc.code}
        except Exception as exc:  # the worker must outlive any one job
            return {"error": f"{type(exc).__name__}: {exc}", "code": "internal"}
