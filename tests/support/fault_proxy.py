#!/usr/bin/env python3
"""A misbehaving HTTP proxy for tests: forwards to 127.0.0.1:UPSTREAM and injects faults.

faults.json: [{"method", "path", "nth", "action": "status"|"drop"|"stall", "status",
"retry_after", "seconds"}]; see tests/support/registry_server.h (ProxyFault).
Every request is logged as "METHOD PATH -> OUTCOME" (OUTCOME "exception …" when the handler
failed, e.g. because the client had hung up).

More actions, for tests/hardening:
  "reset"       read the request, then close the connection with a TCP RST;
  "truncate"    forward, then answer with the full Content-Length but only half the body (at
                least one byte short) and close;
  "bad_length"  forward, then answer with a Content-Length one byte short of the body and the
                whole body, so the extra bytes poison the kept-alive connection;
  "short_body"  forward only the first half of the request body upstream (Content-Length fixed
                to match), so the registry stores or hashes a partial upload.
  "range"       forward, then answer with the rule's "range" as the Range header (an upload
                session's status that a hostile registry made up).
A rule with "probability" (0..1) instead of "nth" fires on each matching request with that
probability, drawn from a generator seeded by --seed (so a run is repeatable).
"""
import argparse, http.client, json, random, socket, struct, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream", type=int, required=True)
    ap.add_argument("--faults", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    faults = json.load(open(args.faults))
    seen = [0] * len(faults)
    spent = [False] * len(faults)
    lock = threading.Lock()

    def log(line):
        with lock, open(args.log, "a") as f:
            f.write(line + "\n")

    def fault_for(method, path):
        # Every rule counts every request it matches; the first rule that fires wins. An "nth"
        # rule fires once: on its nth match, or, when an earlier rule took that request, on its
        # next match, so that every fixed fault happens once there are enough requests.
        fired = None
        with lock:
            for i, f in enumerate(faults):
                if f.get("method") and f["method"] != method:
                    continue
                if f.get("path", "") not in path:
                    continue
                seen[i] += 1
                if fired is not None:
                    continue
                if "probability" in f:
                    if rng.random() < f["probability"]:
                        fired = f
                elif not spent[i] and seen[i] >= f.get("nth", 1):
                    spent[i] = True
                    fired = f
        return fired

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def handle_one(self):
            method, path = self.command, self.path
            length = int(self.headers.get("Content-Length", "0") or 0)
            fault = fault_for(method, path)
            if fault and fault["action"] == "drop":
                self.rfile.read(length // 2)
                log("%s %s -> drop" % (method, path))
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            body = self.rfile.read(length) if length else b""
            if fault and fault["action"] == "reset":
                log("%s %s -> reset" % (method, path))
                self.close_connection = True
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.connection.close()
                return
            if fault and fault["action"] == "stall":
                log("%s %s -> stall" % (method, path))
                time.sleep(fault.get("seconds", 5))
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault and fault["action"] == "status":
                status = fault.get("status", 503)
                log("%s %s -> %d" % (method, path, status))
                data = json.dumps({"errors": [{"code": "UNAVAILABLE", "message": "injected"}]}).encode()
                self.send_response(status)
                if fault.get("retry_after", -1) >= 0:
                    self.send_header("Retry-After", str(fault["retry_after"]))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(data)
                return
            upstream = http.client.HTTPConnection("127.0.0.1", args.upstream, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP
                       and k.lower() != "expect"}
            action = fault["action"] if fault else ""
            if action == "short_body" and body:
                body = body[:len(body) // 2]
                headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
                headers["Content-Length"] = str(len(body))
            upstream.request(method, path, body=body if (body or method not in ("GET", "HEAD")) else None,
                             headers=headers)
            resp = upstream.getresponse()
            data = resp.read()
            upstream.close()
            outcome = "%d" % resp.status
            if action in ("truncate", "bad_length", "short_body", "range"):
                outcome += " " + action
            headers_out = resp.getheaders()
            if action == "range":
                headers_out = [(k, v) for k, v in headers_out if k.lower() != "range"]
                headers_out.append(("Range", fault["range"]))
            log("%s %s -> %s" % (method, path, outcome))
            self.send_response_only(resp.status, resp.reason)
            for k, v in headers_out:
                if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            # A HEAD answer keeps the upstream length: it describes the body not sent.
            length = resp.getheader("Content-Length", "0") if method == "HEAD" else str(len(data))
            if action == "bad_length" and method != "HEAD":
                data = data or b"{}"
                length = str(len(data) - 1)
            if action == "truncate":
                # Promise the whole body (at least one byte), send half of it, hang up.
                self.send_header("Content-Length", str(max(len(data), 1)))
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_header("Content-Length", length)
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(data)

        def handle_logged(self):
            # A handler that dies (mostly: the client hung up first) would otherwise leave no
            # line, and a test asking whether a fault happened could not tell why it did not.
            try:
                self.handle_one()
            except Exception as e:
                log("%s %s -> exception %r" % (self.command, self.path, e))
                raise

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_logged

    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    sys.exit(main())
