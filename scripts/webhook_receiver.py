#!/usr/bin/env python3
"""A small webhook receiver for the alerting end-to-end test.

Listens on 127.0.0.1:PORT and appends one JSON line per POST to OUT:
{"path": ..., "at": unix time, "signature_ok": true|false|null, "headers": {X-* headers},
"body": <the parsed JSON>}.
With --secret, checks X-Driftwatch-Signature (sha256=HMAC-SHA256 of the body, hex).
Answers 200 to every POST (and to GET, as a readiness probe). Stops on SIGTERM.
"""
import argparse
import hashlib
import hmac
import json
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--secret", default=None)
args = parser.parse_args()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ok = None
        sig = self.headers.get("X-Driftwatch-Signature")
        if args.secret is not None and sig is not None:
            want = "sha256=" + hmac.new(args.secret.encode(), raw, hashlib.sha256).hexdigest()
            ok = hmac.compare_digest(want, sig)
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"unparsable": raw[:200].decode("utf-8", "replace")}
        with open(args.out, "a") as f:
            extra = {k: v for k, v in self.headers.items() if k.lower().startswith("x-") and k.lower() != "x-driftwatch-signature"}
            f.write(json.dumps({"path": self.path, "at": time.time(), "signature_ok": ok, "headers": extra, "body": body}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):  # readiness probe
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
server.serve_forever()
