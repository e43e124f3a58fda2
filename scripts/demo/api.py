#!/usr/bin/env python3
"""The demo's API (scripts/demo.sh): one process on 127.0.0.1:PORT that depends on PostgreSQL and
Redis, as the seeds' backends do.

  GET /health/ready  200 {"status": "ready", "items": N} when both answer; 503 with the reason
                     of each dependency otherwise (PostgreSQL: `SELECT count(*) FROM items` via
                     psql, password from PGPASSFILE; Redis: PING over a socket).
Usage: api.py PORT PSQL PG_PORT REDIS_PORT
"""
import json
import os
import socket
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, PSQL, PG_PORT, REDIS_PORT = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])


def postgres_items():
    """The row count of `items`, or raises with psql's first error line."""
    result = subprocess.run(
        [PSQL, "-h", "127.0.0.1", "-p", PG_PORT, "-U", "postgres", "-d", "shop", "-XAtq",
         "-c", "SELECT count(*) FROM items"],
        capture_output=True, text=True, timeout=0.8,
        env={"PGCONNECT_TIMEOUT": "1", "PGPASSFILE": os.environ["PGPASSFILE"], "PATH": "/usr/bin:/bin"})
    if result.returncode != 0:
        raise RuntimeError((result.stderr.strip().splitlines() or ["psql failed"])[-1])
    return int(result.stdout.strip())


def redis_ping():
    with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=0.5) as conn:
        conn.sendall(b"PING\r\n")
        reply = conn.recv(64)
    if not reply.startswith(b"+PONG"):
        raise RuntimeError("unexpected reply " + repr(reply))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/health/ready":
            self.reply(404, {"error": "not found"})
            return
        body, ok = {}, True
        try:
            body["items"] = postgres_items()
            body["postgres"] = "ok"
        except Exception as error:  # noqa: BLE001 — any failure makes the API unready
            body["postgres"], ok = str(error), False
        try:
            redis_ping()
            body["redis"] = "ok"
        except Exception as error:  # noqa: BLE001
            body["redis"], ok = str(error) or type(error).__name__, False
        body["status"] = "ready" if ok else "unavailable"
        self.reply(200 if ok else 503, body)

    def reply(self, status, body):
        data = json.dumps(body).encode() + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # quiet: the watchdog's log tells the story
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
