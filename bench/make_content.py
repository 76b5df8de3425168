#!/usr/bin/env python3
"""make_content.py DIR [WEIGHT_MIB] [DEP_FILES] [DEP_MIB]: the content the side-by-side benches build.

DIR/weights/model-0000{1,2}.safetensors  two incompressible files of WEIGHT_MIB/2 MiB each
DIR/deps/pkgNNN/modNN.py                 DEP_FILES Python-like text files, DEP_MIB MiB in all
                                         (about 4:1 under zstd, like real source)
DIR/app/                                 a small code tree; app/main.py holds the line that
                                         the warm-rebuild step edits
Deterministic (seeded) so that repeated runs build the same bytes. Reused while DIR/.done exists.
"""
import os
import random
import sys

out = sys.argv[1]
weight_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 2048
dep_files = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
dep_mib = int(sys.argv[4]) if len(sys.argv) > 4 else 200
stamp = os.path.join(out, ".done")
want = f"{weight_mib} {dep_files} {dep_mib}\n"
if os.path.exists(stamp) and open(stamp).read() == want:
    sys.exit(0)

rng = random.Random(20261128)
os.makedirs(os.path.join(out, "weights"), exist_ok=True)
chunk = 1 << 20
for i in (1, 2):
    with open(os.path.join(out, "weights", f"model-0000{i}.safetensors"), "wb") as f:
        for _ in range(weight_mib // 2):
            f.write(rng.randbytes(chunk))

words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(3, 12)))
         for _ in range(4000)]
lines = []
for _ in range(20000):
    indent = "    " * rng.randint(0, 3)
    lines.append(indent + " ".join(rng.choice(words) for _ in range(rng.randint(2, 9))) + "\n")
per_file = dep_mib * (1 << 20) // dep_files
per_pkg = 50
for n in range(dep_files):
    pkg = os.path.join(out, "deps", f"pkg{n // per_pkg:03d}")
    os.makedirs(pkg, exist_ok=True)
    body = []
    size = 0
    while size < per_file:
        line = lines[rng.randrange(len(lines))]
        body.append(line)
        size += len(line)
    with open(os.path.join(pkg, f"mod{n % per_pkg:02d}.py"), "w") as f:
        f.write("".join(body))

app = os.path.join(out, "app")
os.makedirs(os.path.join(app, "handlers"), exist_ok=True)
with open(os.path.join(app, "main.py"), "w") as f:
    f.write('VERSION = "0"\n\ndef main():\n    print("serving", VERSION)\n')
for i in range(20):
    with open(os.path.join(app, "handlers", f"h{i:02d}.py"), "w") as f:
        f.write(f"def handle_{i}(request):\n    return {{'handler': {i}}}\n" * 20)
with open(stamp, "w") as f:
    f.write(want)
