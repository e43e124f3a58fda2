"""Stand-in for the stack's API (seed 004's backend): replace the `api` service with your own.

GET /health        200 while the process runs (liveness)
GET /health/ready  200 when PostgreSQL and Redis accept TCP connections, else 503 (readiness:
                   the watchdog's `api-ready` probe and the container's health check use it)
"""
import http.server
import os
import socket

DEPENDENCIES = [
    (os.environ.get("DATABASE_HOST", "postgres"), int(os.environ.get("DATABASE_PORT", "5432"))),
    (os.environ.get("REDIS_HOST", "redis"), int(os.environ.get("REDIS_PORT", "6379"))),
]


def reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            status = 200
        elif self.path == "/health/ready":
            status = 200 if all(reachable(h, p) for h, p in DEPENDENCIES) else 503
        else:
            status = 404
        body = (http.HTTPStatus(status).phrase + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the container log for errors
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
