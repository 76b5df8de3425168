#!/usr/bin/env python3
"""An HTTP/1.1 server for the HTTP client's tests: files, redirects, failures, a request log.

Every request is appended to --log as one JSON line {"method", "path", "host", "headers",
"basic"} before it is answered ("basic": the decoded "user:password" of a Basic
Authorization header, else ""), so a test can check which credentials reached which host and
count tries.

  /files/NAME                  NAME from --root (Content-Type from ?type=, default
                               application/octet-stream)
  /gzip/NAME                   NAME from --root, gzip-encoded when Accept-Encoding allows it
  /redirect?to=URL&status=N    answers N (default 302) with Location: URL (URL as given, so
                               relative and scheme-relative locations can be tested)
  /flaky/KEY?fail=N&status=S&retry_after=R&then=PATH
                               the first N requests for KEY fail: S is a status (with
                               Retry-After: R when given) or "drop" (the connection is closed
                               without an answer); later ones are answered as PATH would be
  /loop                        redirects to itself, forever
  /status/N                    answers N with a short body
  /drip?size=N&rate=R          answers 200 with Content-Length N, then sends R bytes a second
                               (default 2); with &head=1 the status line and headers
                               themselves come at that rate, without end
  /sleep?seconds=S             reads the request body, waits S seconds, answers 201 (a
                               registry verifying an upload after its last byte)
"""
import argparse, base64, gzip, json, os, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    lock = threading.Lock()
    tries = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def answer(self, status, body=b"", headers=()):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def drip(self, size, rate, head):
            self.close_connection = True
            try:
                if head:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    while True:
                        self.wfile.write(b"X")
                        self.wfile.flush()
                        time.sleep(1 / rate)
                self.send_response(200)
                self.send_header("Content-Length", str(size))
                self.end_headers()
                self.wfile.flush()
                for _ in range(size):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(1 / rate)
            except OSError:
                pass

        def serve(self, target):
            url = urlsplit(target)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            parts = url.path.split("/", 2)
            kind = parts[1] if len(parts) > 1 else ""
            name = parts[2] if len(parts) > 2 else ""
            if kind in ("files", "gzip"):
                path = os.path.join(args.root, os.path.basename(name))
                if not os.path.isfile(path):
                    return self.answer(404, b"no such file")
                body = open(path, "rb").read()
                headers = [("Content-Type", query.get("type", "application/octet-stream"))]
                if kind == "gzip" and "gzip" in self.headers.get("Accept-Encoding", ""):
                    body = gzip.compress(body)
                    headers.append(("Content-Encoding", "gzip"))
                return self.answer(200, body, headers)
            if kind == "redirect":
                return self.answer(int(query.get("status", "302")), b"moved",
                                   [("Location", query["to"])])
            if kind == "flaky":
                with lock:
                    tries[name] = tries.get(name, 0) + 1
                    failing = tries[name] <= int(query.get("fail", "0"))
                if not failing:
                    return self.serve(query.get("then", "/status/200"))
                if query.get("status") == "drop":
                    self.close_connection = True
                    return
                headers = []
                if "retry_after" in query:
                    headers.append(("Retry-After", query["retry_after"]))
                return self.answer(int(query.get("status", "503")), b"try again", headers)
            if kind == "loop":
                return self.answer(302, b"again", [("Location", "/loop")])
            if kind == "drip":
                return self.drip(int(query.get("size", "0")), float(query.get("rate", "2")),
                                 query.get("head") == "1")
            if kind == "sleep":
                time.sleep(float(query.get("seconds", "1")))
                return self.answer(201, b"verified")
            if kind == "status":
                return self.answer(int(name), b"status " + name.encode())
            return self.answer(404, b"unknown route")

        def handle_one(self):
            entry = {"method": self.command, "path": self.path,
                     "host": self.headers.get("Host", ""),
                     "headers": {k.lower(): v for k, v in self.headers.items()},
                     "basic": ""}
            authorization = self.headers.get("Authorization", "")
            if authorization.startswith("Basic "):
                entry["basic"] = base64.b64decode(authorization[6:]).decode()
            with lock, open(args.log, "a") as log:
                log.write(json.dumps(entry) + "\n")
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.serve(self.path)

        do_GET = do_HEAD = do_POST = handle_one

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
