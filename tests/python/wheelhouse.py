#!/usr/bin/env python3
"""Wheels, a PEP 503 index and locks for the wheel tests and the benchmark.

  wheelhouse.py make DIR            test wheels + Debian's pip/setuptools wheels
  wheelhouse.py bench DIR N MIB     N generated wheels totalling about MIB MiB

DIR gets files/*.whl, simple/<project>/index.html (PEP 503, with #sha256= links),
requirements.lock (pinned and hashed, as pip-compile --generate-hashes writes it) and
pylock.toml (PEP 751). Wheels are built with zipfile, with METADATA, WHEEL and RECORD as
PEP 427 describes, so that pip itself accepts them.
"""
import base64
import hashlib
import html
import os
import random
import re
import shutil
import sys
import zipfile

DEBIAN_WHEELS = "/usr/share/python-wheels"


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def build_wheel(out_dir, name, version, tags, files, purelib=True, requires=(),
                entry_points=None, compress=zipfile.ZIP_DEFLATED):
    """files: {archive path: bytes or (bytes, mode)}; returns the wheel's path."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    wheel = "Wheel-Version: 1.0\nGenerator: wheelhouse.py\n"
    wheel += f"Root-Is-Purelib: {'true' if purelib else 'false'}\n"
    wheel += "".join(f"Tag: {t}\n" for t in tags)
    entries = dict(files)
    entries[f"{info}/METADATA"] = metadata.encode()
    entries[f"{info}/WHEEL"] = wheel.encode()
    if entry_points:
        entries[f"{info}/entry_points.txt"] = entry_points.encode()
    record = []
    for path, content in entries.items():
        data = content[0] if isinstance(content, tuple) else content
        record.append(f"{path},{record_hash(data)},{len(data)}")
    record.append(f"{info}/RECORD,,")
    entries[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    tag_text = tags[0] if len(tags) == 1 else compress_tags(tags)
    path = os.path.join(out_dir, f"{dist}-{version}-{tag_text}.whl")
    with zipfile.ZipFile(path, "w", compression=compress) as z:
        for arc, content in entries.items():
            data, mode = content if isinstance(content, tuple) else (content, 0o644)
            zi = zipfile.ZipInfo(arc, date_time=(2020, 1, 1, 0, 0, 0))
            zi.external_attr = (0o100000 | mode) << 16
            zi.compress_type = compress
            z.writestr(zi, data)
    return path


def compress_tags(tags):
    py, abi, plat = (sorted({t.split("-")[i] for t in tags}) for i in range(3))
    return "-".join(".".join(x) for x in (py, abi, plat))


def make_test_wheels(files):
    build_wheel(files, "demo-cli", "1.0", ["py3-none-any"], {
        "demo_cli/__init__.py": b"GREETING = 'hello from demo-cli'\n",
        "demo_cli/main.py": b"import demo_cli\n\ndef run():\n    print(demo_cli.GREETING)\n    return 0\n",
    }, requires=["demo-data>=2.0"], entry_points=(
        "[console_scripts]\ndemo-cli = demo_cli.main:run\n"
        "[gui_scripts]\ndemo-gui = demo_cli.main:run\n"))
    build_wheel(files, "demo-data", "2.0", ["py3-none-any"], {
        "demo_data/__init__.py": b"import os\nHERE = os.path.dirname(__file__)\n",
        "demo_data-2.0.data/scripts/demo-data-tool": (
            b"#!python\nimport demo_data\nprint('tool', demo_data.HERE)\n", 0o755),
        "demo_data-2.0.data/data/share/demo-data/info.txt": b"shared data\n",
        "demo_data-2.0.data/headers/demo.h": b"#define DEMO 1\n",
        "demo_data-2.0.data/purelib/demo_data_extra.py": b"EXTRA = 42\n",
    })
    native = {
        "demo_native/__init__.py": b"KIND = 'native'\n",
        "demo_native/_speedups.so": (bytes(range(256)) * 64, 0o755),
    }
    build_wheel(files, "demo-native", "0.3",
                ["cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"],
                native, purelib=False)
    # Variants the selection must skip on a bookworm (glibc 2.36) CPython 3.11 target.
    build_wheel(files, "demo-native", "0.3", ["cp311-cp311-musllinux_1_1_x86_64"], native,
                purelib=False)
    build_wheel(files, "demo-native", "0.3", ["cp311-cp311-manylinux_2_99_x86_64"], native,
                purelib=False)
    build_wheel(files, "demo-native", "0.3", ["cp312-cp312-manylinux_2_17_x86_64"], native,
                purelib=False)
    build_wheel(files, "demo-abi3", "1.1", ["cp38-abi3-manylinux_2_17_x86_64"], {
        "demo_abi3/__init__.py": b"ABI = 'abi3'\n",
        "demo_abi3/_lib.abi3.so": (b"\x7fELF" + bytes(1000), 0o755),
    }, purelib=False)
    for name in sorted(os.listdir(DEBIAN_WHEELS)):
        if name.startswith(("pip-", "setuptools-")) and name.endswith(".whl"):
            shutil.copy(os.path.join(DEBIAN_WHEELS, name), files)


def make_bench_wheels(files, count, total_mib):
    """Wheels like real ones: mostly native-library bytes (half compressible), some Python."""
    rng = random.Random(7)
    per_wheel = total_mib * (1 << 20) // count
    for i in range(count):
        name = f"bench-pkg{i:02d}"
        dist = name.replace("-", "_")
        content = {}
        for m in range(20):
            content[f"{dist}/mod{m}.py"] = (f"# module {m} of {name}\n" + "X = 1\n" * 200).encode()
        remaining = per_wheel - sum(len(v) for v in content.values())
        libs = 4
        for k in range(libs):
            size = remaining // libs
            half = size // 2
            data = rng.randbytes(half) + (b"\x00\x01\x02\x03code" * (size // 8 + 1))[: size - half]
            content[f"{dist}/_native{k}.so"] = (data, 0o755)
        build_wheel(files, name, "1.0", ["py3-none-any"], content)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_index(root, files):
    """PEP 503 pages for every wheel in files/, links relative, with #sha256= fragments."""
    projects = {}
    for name in sorted(os.listdir(files)):
        if name.endswith(".whl"):
            dist, version = name.split("-")[:2]
            projects.setdefault(normalize(dist), []).append((name, version))
    simple = os.path.join(root, "simple")
    os.makedirs(simple, exist_ok=True)
    links = "".join(f'<a href="{p}/">{p}</a>\n' for p in projects)
    with open(os.path.join(simple, "index.html"), "w") as f:
        f.write(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
    for project, wheels in projects.items():
        os.makedirs(os.path.join(simple, project), exist_ok=True)
        body = "".join(
            f'<a href="../../files/{html.escape(w)}#sha256={sha256_file(os.path.join(files, w))}"'
            f' data-requires-python="&gt;=3.7">{html.escape(w)}</a><br/>\n' for w, _ in wheels)
        with open(os.path.join(simple, project, "index.html"), "w") as f:
            f.write(f"<!DOCTYPE html><html><body>\n<h1>Links for {project}</h1>\n{body}</body></html>\n")
    return projects


def write_locks(root, files, projects):
    lines = ["# generated by wheelhouse.py, in the form of pip-compile --generate-hashes"]
    pylock = ['lock-version = "1.0"', 'created-by = "wheelhouse.py"', ""]
    for project, wheels in sorted(projects.items()):
        version = wheels[0][1]
        hashes = sorted(sha256_file(os.path.join(files, w)) for w, _ in wheels)
        lines.append(f"{project}=={version} \\")
        lines += [f"    --hash=sha256:{h} \\" for h in hashes[:-1]]
        lines.append(f"    --hash=sha256:{hashes[-1]}")
        pylock += ["[[packages]]", f'name = "{project}"', f'version = "{version}"', "wheels = ["]
        for w, _ in wheels:
            pylock.append(f'  {{ name = "{w}", path = "files/{w}", '
                          f'size = {os.path.getsize(os.path.join(files, w))}, '
                          f'hashes = {{ sha256 = "{sha256_file(os.path.join(files, w))}" }} }},')
        pylock += ["]", ""]
    with open(os.path.join(root, "requirements.lock"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(root, "pylock.toml"), "w") as f:
        f.write("\n".join(pylock))


def main(argv):
    if len(argv) < 3 or argv[1] not in ("make", "bench"):
        sys.exit(__doc__)
    root = argv[2]
    files = os.path.join(root, "files")
    os.makedirs(files, exist_ok=True)
    if argv[1] == "make":
        make_test_wheels(files)
    else:
        make_bench_wheels(files, int(argv[3]), int(argv[4]))
    projects = write_index(root, files)
    write_locks(root, files, projects)


if __name__ == "__main__":
    main(sys.argv)
