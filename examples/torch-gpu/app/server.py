"""A GPU-shaped model server: /healthz, /ready and /predict.

It imports torch to find the device, as a PyTorch server does, and reads its weights from a
safetensors file. The arithmetic is plain Python so that the same code runs with the stand-in
torch this example is built with (see README.md); a real server would use torch tensors.
"""
import json
import math
import os
import pathlib
import signal
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch

MODEL_DIR = pathlib.Path(os.environ.get("MODEL_DIR", "/models"))
PORT = int(os.environ.get("PORT", "8080"))
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

_model = {}
_ready = threading.Event()


def read_safetensors(path):
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {info['dtype']} is not supported")
        start, end = info["data_offsets"]
        tensors[name] = (info["shape"], struct.unpack(f"<{(end - start) // 4}f", body[start:end]))
    return tensors


def load_model():
    config = json.loads((MODEL_DIR / "config.json").read_text())
    tensors = read_safetensors(MODEL_DIR / config["weights"])
    (rows, cols), weight = tensors["linear.weight"]
    _model.update(labels=config["labels"], bias=tensors["linear.bias"][1],
                  weight=[weight[r * cols:(r + 1) * cols] for r in range(rows)])
    _ready.set()


def predict(features):
    scores = [sum(w * x for w, x in zip(row, features)) + b
              for row, b in zip(_model["weight"], _model["bias"])]
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    best = max(range(len(scores)), key=scores.__getitem__)
    return {"class": _model["labels"][best], "probabilities": [e / sum(exps) for e in exps]}


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
            self._send(200, {"status": "ok", "torch": torch.__version__, "device": DEVICE,
                             "standin": getattr(torch, "STANDIN", False)})
        elif self.path == "/ready":
            self._send(200 if _ready.is_set() else 503, {"ready": _ready.is_set()})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/predict":
            self._send(404, {"error": "not found"})
        elif not _ready.is_set():
            self._send(503, {"error": "model not loaded"})
        else:
            try:
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                self._send(200, {"predictions": [predict(x) for x in request["instances"]],
                                 "device": DEVICE})
            except (ValueError, KeyError, TypeError) as e:
                self._send(400, {"error": str(e)})

    def log_message(self, fmt, *args):
        pass


def main():
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    # PID 1 in a container has no default SIGTERM action: stop when the kubelet asks.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    threading.Thread(target=load_model, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
