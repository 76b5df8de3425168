#!/usr/bin/env python3
"""A registry that answers every request but the version check with an error whose text tries
to take over the terminal (ANSI escapes, an OSC title) and the CI log (GitHub Actions commands
on lines of their own). Used by tests/hardening/cli_input_test.cc.

Usage: hostile_registry.py PORT
"""
import http.server
import json
import sys

HOSTILE = ("denied\x1b[31m RED\x1b[0m\x1b]0;owned title\x07\r\n"
           "::add-mask::hostile-mask\n::set-output name=hostile::1\n\x9b2J\u202etxt")
BODY = json.dumps({"errors": [{"code": "DENIED\x1b[5m", "message": HOSTILE}]}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, send_body):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path == "/v2/":
            status, body = 200, b"{}"
        elif not send_body:
            status, body = 404, b""  # HEAD: "no such blob", so that a push goes on to upload
        else:
            status, body = 403, BODY
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def do_GET(self):
        self.answer(True)

    def do_HEAD(self):
        self.answer(False)

    def do_POST(self):
        self.answer(True)

    def do_PUT(self):
        self.answer(True)

    def do_PATCH(self):
        self.answer(True)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
