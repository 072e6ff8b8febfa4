#!/usr/bin/env python3
"""A counting stand-in for the Graph API's page feed, for scripts/crash-test.sh.

POST /graph/{page}/feed           publishes `message` (form body); every receipt is counted
GET  /graph/{page}/published_posts the page's posts since `since` (how a recovering instance
                                   checks whether an interrupted publish went out)
GET  /stats                        {"received": {message: [unix times of each receipt]}}

Usage: crash_fake_platform.py PORT
"""
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
RECEIVED = {}  # message -> [receipt times]
FEED = []  # (id, message, unix time)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        parts = urllib.parse.urlparse(self.path).path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "graph" and parts[2] == "feed":
            message = form.get("message", [""])[0]
            now = time.time()
            with LOCK:
                RECEIVED.setdefault(message, []).append(now)
                post_id = f"{parts[1]}_{len(FEED) + 1}"
                FEED.append((post_id, message, now))
            return self.answer(200, {"id": post_id})
        return self.answer(404, {"error": {"message": "unknown path", "code": 100}})

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = url.path.strip("/").split("/")
        if url.path == "/stats":
            with LOCK:
                return self.answer(200, {"received": RECEIVED})
        if len(parts) == 3 and parts[0] == "graph" and parts[2] == "published_posts":
            since = float(query.get("since", ["0"])[0])
            with LOCK:
                data = [{"id": i, "message": m} for (i, m, at) in FEED if at >= since]
            return self.answer(200, {"data": data})
        return self.answer(404, {"error": {"message": "unknown path", "code": 100}})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Connections of the killed instance reset mid-request: expected, not news.
        pass


if __name__ == "__main__":
    server = Server(("127.0.0.1", int(sys.argv[1])), Handler)
    server.serve_forever()
