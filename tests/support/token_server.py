#!/usr/bin/env python3
"""A registry token server for tests (distribution "token" auth), stdlib + the openssl CLI.

GET  /token?service=&scope=...   with optional Basic credentials
POST /token  grant_type=refresh_token|password (OAuth2 form)
answers {"token", "access_token", "expires_in", "issued_at"[, "refresh_token"]} with an RS256
JWT whose x5c header carries the signing certificate, which the registry trusts via its
rootcertbundle. Known users get every action they ask for; anonymous clients get "pull" only.
The refresh token of a user is "refresh-<user>".
"""
import argparse, base64, binascii, datetime, json, os, subprocess, sys, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# distribution accepts tokens up to 60 s past "exp" (clock-skew leeway); short test lifetimes
# subtract it so a token really stops working when the announced lifetime ends.
LEEWAY = 60


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--user", default="")
    ap.add_argument("--password", default="")
    ap.add_argument("--lifetime", type=int, default=300)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()

    pem = open(args.cert).read()
    der_b64 = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
    header = b64url(json.dumps({"typ": "JWT", "alg": "RS256", "x5c": [der_b64]}).encode())
    log_lock = threading.Lock()

    def log(line):
        with log_lock, open(args.log, "a") as f:
            f.write(line + "\n")

    def sign(payload):
        signing_input = header + "." + b64url(json.dumps(payload).encode())
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", args.key],
                             input=signing_input.encode(), capture_output=True, check=True).stdout
        return signing_input + "." + b64url(sig)

    def grant(scopes, user):
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) != 3:
                continue
            actions = parts[2].split(",")
            if not user:
                actions = [a for a in actions if a == "pull"]
            access.append({"type": parts[0], "name": parts[1], "actions": actions})
        return access

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def issue(self, method, scopes, user, refresh):
            now = int(time.time())
            lifetime = args.lifetime
            exp = now + lifetime - (LEEWAY if lifetime < LEEWAY else 0)
            token = sign({"iss": args.issuer, "sub": user, "aud": args.service, "exp": exp,
                          "nbf": now - 10, "iat": now, "jti": binascii.hexlify(os.urandom(8)).decode(),
                          "access": grant(scopes, user)})
            log("%s scope=%s user=%s -> 200" % (method, " ".join(scopes), user or "-"))
            body = {"access_token" if refresh else "token": token, "expires_in": lifetime,
                    "issued_at": datetime.datetime.utcfromtimestamp(now).isoformat() + "Z"}
            if refresh:
                body["refresh_token"] = "refresh-" + user
            self.reply(200, body)

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(url.query)
            scopes = q.get("scope", [])
            user = ""
            authz = self.headers.get("Authorization", "")
            if authz.startswith("Basic "):
                u, _, p = base64.b64decode(authz[6:]).decode().partition(":")
                if u != args.user or p != args.password:
                    log("GET scope=%s user=%s -> 401" % (" ".join(scopes), u))
                    return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]})
                user = u
            self.issue("GET", scopes, user, False)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            scopes = " ".join(form.get("scope", [])).split()
            grant_type = form.get("grant_type", [""])[0]
            user = ""
            if grant_type == "refresh_token" and form.get("refresh_token", [""])[0] == "refresh-" + args.user:
                user = args.user
            elif grant_type == "password" and form.get("username", [""])[0] == args.user and \
                    form.get("password", [""])[0] == args.password:
                user = args.user
            if not user:
                log("POST scope=%s user=- -> 401" % " ".join(scopes))
                return self.reply(401, {"error": "invalid_grant"})
            self.issue("POST", scopes, user, True)

    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    sys.exit(main())
