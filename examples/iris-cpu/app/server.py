"""A small HTTP model server: /healthz, /ready and /predict, standard library only."""
import json
import math
import os
import pathlib
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_DIR = pathlib.Path(os.environ.get("MODEL_DIR", "/models"))
PORT = int(os.environ.get("PORT", "8080"))
VERSION = "1"

_model = None
_ready = threading.Event()


def load_model():
    global _model
    _model = json.loads((MODEL_DIR / "iris-logreg.json").read_text())
    _ready.set()


def predict(features):
    if len(features) != len(_model["features"]):
        raise ValueError(f"expected {len(_model['features'])} features, got {len(features)}")
    scores = [sum(w * x for w, x in zip(row, features)) + b
              for row, b in zip(_model["coef"], _model["intercept"])]
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    probabilities = [e / total for e in exps]
    best = max(range(len(scores)), key=scores.__getitem__)
    return {"class": _model["classes"][best], "probabilities": probabilities}


class Handler(BaseHTTPRequestHandler):
    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/healthz":
            self._send(200, {"status": "ok", "version": VERSION})
        elif self.path == "/ready":
            self._send(200 if _ready.is_set() else 503, {"ready": _ready.is_set()})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/predict":
            self._send(404, {"error": "not found"})
            return
        if not _ready.is_set():
            self._send(503, {"error": "model not loaded"})
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
            request = json.loads(self.rfile.read(length))
            instances = request["instances"]
            self._send(200, {"predictions": [predict(x) for x in instances],
                             "version": VERSION})
        except (ValueError, KeyError, TypeError) as e:
            self._send(400, {"error": str(e)})

    def log_message(self, fmt, *args):
        pass


def main():
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    # As a container's PID 1 the process has no default SIGTERM action, so without this the
    # runtime (kubelet, `ctr task kill`) would wait out its grace period and SIGKILL it.
    # shutdown() must run on another thread than serve_forever().
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    threading.Thread(target=load_model, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
