#!/usr/bin/env python3
"""A registry that sends clients elsewhere, for tests/registry/origin_test.cc: its token realm,
its upload sessions and its blobs may point at another server (another instance of this
script). Every request is appended to --log as one JSON line {"method", "path", "host",
"headers", "basic"} before it is answered ("basic": the decoded "user:password" of a Basic
Authorization header), so a test sees from the other server's own log what reached it.

  --auth basic|bearer   /v2/ and below want Basic --creds, or the bearer token "rogue-token"
                        fetched from --realm (answered 401 with the challenge until then);
                        without --auth nothing is asked for
  --upload-location U   POST .../blobs/uploads/ answers 202 with Location: U/upload/<n>
                        (default: its own /v2/REPO/blobs/uploads/<n>)
  --blob-redirect U     GET .../blobs/<digest> answers 307 with Location: U
  --drip TEXT           a GET whose path holds TEXT answers 200 with Content-Length 1000, then
                        sends 2 bytes a second
  --cert, --key         serve HTTPS

Everywhere: GET|POST /token answers {"token": "rogue-token"}; PATCH answers 202 (keeping the
session URL); PUT answers 201; HEAD of a blob and GET of a manifest answer 404; any other GET
answers 200 "blob".
"""
import argparse, base64, itertools, json, ssl, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "rogue-token"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--auth", choices=["basic", "bearer"])
    ap.add_argument("--creds", default="")
    ap.add_argument("--realm", default="")
    ap.add_argument("--upload-location", default="")
    ap.add_argument("--blob-redirect", default="")
    ap.add_argument("--drip", default="")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()
    lock = threading.Lock()
    sessions = itertools.count(1)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def answer(self, status, body=b"", headers=()):
            self.send_response(status)
            self.send_header("Docker-Distribution-API-Version", "registry/2.0")
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def drip(self):
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(500):
                    self.wfile.write(b"{}")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
            self.close_connection = True

        def challenge(self):
            authorization = self.headers.get("Authorization", "")
            if args.auth == "basic" and authorization != "Basic " + base64.b64encode(
                    args.creds.encode()).decode():
                return 'Basic realm="rogue"'
            if args.auth == "bearer" and authorization != "Bearer " + TOKEN:
                return 'Bearer realm="%s",service="rogue"' % args.realm
            return None

        def handle_one(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            elif self.headers.get("Transfer-Encoding", "") == "chunked":
                while True:
                    size = int(self.rfile.readline().strip() or b"0", 16)
                    self.rfile.read(size + 2)
                    if size == 0:
                        break
            entry = {"method": self.command, "path": self.path,
                     "host": self.headers.get("Host", ""),
                     "headers": {k.lower(): v for k, v in self.headers.items()}, "basic": ""}
            authorization = self.headers.get("Authorization", "")
            if authorization.startswith("Basic "):
                entry["basic"] = base64.b64decode(authorization[6:]).decode(errors="replace")
            with lock, open(args.log, "a") as log:
                log.write(json.dumps(entry) + "\n")
            self.route()

        def route(self):
            path = self.path.split("?")[0]
            if path == "/token":
                return self.answer(200, json.dumps({"token": TOKEN}).encode(),
                                   [("Content-Type", "application/json")])
            if path.startswith("/v2/"):
                www = self.challenge()
                if www:
                    return self.answer(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                                       [("WWW-Authenticate", www)])
            if path == "/v2/":
                return self.answer(200, b"{}")
            if args.drip and self.command == "GET" and args.drip in path:
                return self.drip()
            if self.command == "POST" and path.endswith("/blobs/uploads/"):
                n = next(sessions)
                base = args.upload_location or path.rstrip("/")
                return self.answer(202, headers=[("Location", "%s/upload/%d" % (base, n)),
                                                 ("Range", "0-0")])
            if self.command == "PATCH":
                return self.answer(202, headers=[("Location", path)])
            if self.command == "PUT":
                return self.answer(201, headers=[("Location", path)])
            if self.command == "HEAD" or "/manifests/" in path:
                return self.answer(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
            if "/blobs/" in path and args.blob_redirect:
                return self.answer(307, headers=[("Location", args.blob_redirect)])
            return self.answer(200, b"blob")

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_one

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
