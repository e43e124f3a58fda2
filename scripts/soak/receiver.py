#!/usr/bin/env python3
"""Webhook receiver for scripts/soak.sh: answers every POST 200 and counts it.

GET /count → {"posts": N, "distinct": D}: alerts received and distinct Idempotency-Keys among
them (a difference means the watchdog sent an alert twice). Usage: receiver.py PORT
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
posts = 0
keys = set()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global posts
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock:
            posts += 1
            keys.add(self.headers.get("Idempotency-Key", ""))
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def do_GET(self):
        with lock:
            body = json.dumps({"posts": posts, "distinct": len(keys)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet: thousands of alerts
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
