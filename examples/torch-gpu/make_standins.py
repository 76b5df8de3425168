"""Writes the stand-ins this example builds from, since nothing here can download PyTorch.

  /usr/bin/python3 make_standins.py

- wheels/torch-2.5.1+cu124-…whl and wheels/nvidia_cuda_runtime_cu12-12.4.127-…whl: real wheels
  (PEP 427 zip files with METADATA, WHEEL and RECORD) with the names and versions of the real
  ones, but a few hundred bytes each. The torch stand-in is a module that reports its version
  and that no GPU is available; it computes nothing.
- pylock.toml: a PEP 751 lock pinning both by path and sha256.
- models/classifier.safetensors: a real safetensors file holding a 4x3 float32 weight matrix
  and a bias (made-up numbers, not a trained model), and models/config.json.

Everything is written deterministically (fixed zip times, sorted entries), so the hashes in
the lock, and the image digests, are the same on every machine.
"""
import base64
import hashlib
import json
import os
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

TORCH_INIT = '''"""Stand-in for PyTorch made by make_standins.py: the name and version only."""
__version__ = "2.5.1+cu124"
STANDIN = True


class cuda:
    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0
'''


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def write_wheel(name, version, tag, files):
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    entries = dict(files)
    entries[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                   "Summary: stand-in made by examples/torch-gpu/make_standins.py\n").encode()
    entries[f"{info}/WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: make_standins.py\n"
                                f"Root-Is-Purelib: true\nTag: {tag}\n").encode()
    record = [f"{p},{record_hash(d)},{len(d)}" for p, d in entries.items()] + [f"{info}/RECORD,,"]
    entries[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    filename = f"{dist}-{version}-{tag}.whl"
    path = os.path.join(HERE, "wheels", filename)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for arc in sorted(entries):
            zi = zipfile.ZipInfo(arc, date_time=(2020, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, entries[arc])
    return name, version, filename


def write_safetensors(path, tensors):
    """tensors: {name: (shape, [floats])}, stored as little-endian float32."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        shape, values = tensors[name]
        data = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt", "note": "made-up weights, not a trained model"}
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    os.makedirs(os.path.join(HERE, "wheels"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "models"), exist_ok=True)
    wheels = [
        write_wheel("torch", "2.5.1+cu124", "py3-none-any",
                    {"torch/__init__.py": TORCH_INIT.encode()}),
        write_wheel("nvidia-cuda-runtime-cu12", "12.4.127", "py3-none-manylinux2014_x86_64",
                    {"nvidia/cuda_runtime/STANDIN.txt":
                     b"Stand-in: the real wheel ships libcudart.so.12 here.\n"}),
    ]
    lock = ['lock-version = "1.0"', 'created-by = "make_standins.py"', 'requires-python = ">=3.11"', ""]
    for name, version, filename in sorted(wheels):
        path = os.path.join(HERE, "wheels", filename)
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        lock += ["[[packages]]", f'name = "{name}"', f'version = "{version}"', "wheels = [",
                 f'  {{ name = "{filename}", path = "wheels/{filename}", size = {os.path.getsize(path)}, '
                 f'hashes = {{ sha256 = "{digest}" }} }},', "]", ""]
    with open(os.path.join(HERE, "pylock.toml"), "w") as f:
        f.write("\n".join(lock))

    write_safetensors(os.path.join(HERE, "models", "classifier.safetensors"), {
        "linear.weight": ([3, 4], [0.4, 1.0, -2.2, -1.0, 0.5, -0.3, -0.2, -0.9, -0.9, -0.7, 2.4, 1.9]),
        "linear.bias": ([3], [9.0, 2.0, -11.0]),
    })
    with open(os.path.join(HERE, "models", "config.json"), "w") as f:
        json.dump({"architecture": "linear", "labels": ["setosa", "versicolor", "virginica"],
                   "weights": "classifier.safetensors"}, f, indent=2, sort_keys=True)
        f.write("\n")
    print("wrote wheels/, pylock.toml and models/ (stand-ins; see README.md)")


if __name__ == "__main__":
    main()
