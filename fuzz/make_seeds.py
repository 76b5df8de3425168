#!/usr/bin/env python3
"""Writes the generated part of the fuzz seed corpora (fuzz/corpus/<target>/seed-*).

Seeds are small valid inputs plus the hostile shapes each parser must refuse, so the fuzzer
starts from the interesting places. Run it again after changing it; inputs that once crashed
a target live next to the seeds as crash-* files and are never regenerated.
Usage: fuzz/make_seeds.py [CORPUS_DIR]
"""
import gzip, io, os, shutil, subprocess, sys, tarfile, zipfile, hashlib, base64

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
H = "a" * 64


def put(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# recipes
put("recipe", "minimal", "name: demo\nbase: scratch\n")
put("recipe", "full", """name: sentiment-api
base: python:3.11-slim
python: "3.11"
cuda: "12.4"
framework: {name: pytorch, version: "2.5.1"}
python_requirements: requirements.lock
python_index:
  - https://download.pytorch.org/whl/cu124
model:
  - {src: models/, dst: /models, class: model}
code:
  - {src: app/, dst: /app}
env: {MODEL_DIR: /models, HF_TOKEN: hf_abcdefghijklmnopqrstuvwxyz0123456789}
labels: {team: ml}
user: "1000:1000"
workdir: /app
serve:
  command: [python3, -m, uvicorn, app.main:app, --port, "8080"]
  port: 8080
  health: /healthz
  ready: /ready
deploy:
  namespace: ml-serving
  replicas: 2
  gpu: 1
  resources: {cpu: "4", memory: 16Gi}
  shm: 2Gi
  autoscale: {min: 1, max: 4, cpu: 70}
  image_pull_secrets: [regcred]
  node_selector: {pool: gpu}
  kserve: true
layering: {budget: 20, own_layer_threshold: 1Mi}
""")
put("recipe", "anchors", "name: &n demo\nbase: *n\nenv: &e {A: b}\nlabels: *e\n"
    "model: [{src: ../../etc, dst: /m}]\nserve: {command: !!str x, port: 0x50}\n")
put("recipe", "rootfs", "name: demo\nbase: rootfs:base.tar\ncode: {src: /etc, dst: app}\n")
put("recipe", "merge", "a: &a {x: 1}\nname: x\n<<: *a\n? [complex, key]\n: v\n")

# image references
for i, r in enumerate(["python", "python:3.11-slim", "docker.io/library/python:3.11",
                       "ghcr.io/org/app:v1", "localhost:5000/a/b/c@sha256:" + H,
                       "127.0.0.1:5000/app:tag@sha256:" + H, "[::1]:5000/app",
                       "Registry.Example.COM:443/x_y__z.w-v:TAG", "a" * 300,
                       "host/app@sha512:" + "b" * 128, "UPPER/case", ":tag", "@sha256:"]):
    put("reference", str(i), r)

# WWW-Authenticate
for i, c in enumerate(['Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
                       'scope="repository:library/python:pull"',
                       'Basic realm="Registry Realm"',
                       'Basic realm="a, b", Bearer realm="https://x/t",error="invalid_token"',
                       'Bearer realm=https://x/t,service=reg', 'Bearer realm="unterminated',
                       'Bearer realm="esc\\"aped\\\\",,, ,Basic', 'Negotiate, NTLM', '=,="",=']):
    put("challenge", str(i), c)


# tar layers
def tar_bytes(members, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def entry(name, type_=tarfile.REGTYPE, data=b"", link="", mode=0o644):
    i = tarfile.TarInfo(name)
    i.type, i.mode, i.linkname, i.mtime = type_, mode, link, 1
    if type_ == tarfile.REGTYPE:
        i.size = len(data)
        return i, data
    return i, None


plain = tar_bytes([entry("./", tarfile.DIRTYPE, mode=0o755), entry("app/", tarfile.DIRTYPE),
                   entry("app/main.py", data=b"print('hi')\n", mode=0o755),
                   entry("app/link", tarfile.SYMTYPE, link="main.py"),
                   entry("app/hard", tarfile.LNKTYPE, link="app/main.py")])
put("tar", "plain", plain)
put("tar", "gzip", gzip.compress(plain, mtime=0))
if shutil.which("zstd"):
    put("tar", "zstd", subprocess.run(["zstd", "-q", "-c"], input=plain, capture_output=True,
                                      check=True).stdout)
put("tar", "gnu-longname", tar_bytes([entry("d/" + "x" * 200, data=b"x")], tarfile.GNU_FORMAT))
put("tar", "ustar", tar_bytes([entry("u/f", data=b"ustar")], tarfile.USTAR_FORMAT))
put("tar", "traversal", tar_bytes([entry("../escape", data=b"x")]))
put("tar", "absolute", tar_bytes([entry("/etc/passwd", data=b"x")]))
put("tar", "hardlink-out", tar_bytes([entry("h", tarfile.LNKTYPE, link="../../etc/shadow")]))
put("tar", "symlink-then-file", tar_bytes([entry("s", tarfile.SYMTYPE, link="/etc"),
                                           entry("s/passwd", data=b"x")]))
put("tar", "device", tar_bytes([entry("dev/null", tarfile.CHRTYPE),
                                entry("fifo", tarfile.FIFOTYPE)]))
big = bytearray(tar_bytes([entry("big", data=b"abc")]))
pax = tarfile.TarInfo("big")
pax.size = 3
huge = bytearray(tar_bytes([entry("big", data=b"abc")], tarfile.USTAR_FORMAT))
huge[124:136] = b"77777777777\0"  # a size far beyond the file
cks = sum(huge[:148]) + 8 * 32 + sum(huge[156:512])
huge[148:156] = b"%06o\0 " % cks
put("tar", "absurd-size", bytes(huge))


# wheels
def wheel(files, name="demo", version="1.0", record=True, extra_infos=()):
    buf = io.BytesIO()
    info = f"{name}-{version}.dist-info"
    files = dict(files)
    files.setdefault(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
    files.setdefault(f"{info}/METADATA", f"Name: {name}\nVersion: {version}\n")
    rows = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            if isinstance(data, str):
                data = data.encode()
            if isinstance(data, zipfile.ZipInfo):
                z.writestr(data, b"x")
                continue
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            rows.append(f"{path},sha256={digest.decode()},{len(data)}")
        if record:
            z.writestr(f"{info}/RECORD", "\n".join(rows + [f"{info}/RECORD,,"]) + "\n")
    return buf.getvalue()


put("wheel", "good", wheel({"demo/__init__.py": "x = 1\n",
                            "demo-1.0.data/scripts/demo": "#!python\nprint(1)\n",
                            "demo-1.0.dist-info/entry_points.txt":
                                "[console_scripts]\ndemo-cli = demo:main\n"}))
put("wheel", "traversal", wheel({"../../escape.py": "x"}))
put("wheel", "absolute", wheel({"/etc/escape": "x"}))
put("wheel", "data-traversal", wheel({"demo-1.0.data/data/../../../x": "x"}))
link = zipfile.ZipInfo("demo/link")
link.external_attr = (0o120777 << 16)
put("wheel", "symlink", wheel({"demo/link": link, "demo/link/f": "x"}))
dev = zipfile.ZipInfo("demo/dev")
dev.external_attr = (0o020666 << 16)
put("wheel", "device", wheel({"demo/dev": dev}))
put("wheel", "bomb", wheel({"demo/zeros": b"\0" * (4 << 20)}))
put("wheel", "no-record", wheel({"demo/__init__.py": ""}, record=False))

# simple index pages
put("simple_html", "pep503", """<!DOCTYPE html><html><head><base href="/files/"></head><body>
<a href="demo-1.0-py3-none-any.whl#sha256=%s" data-requires-python="&gt;=3.8">demo-1.0</a>
<A HREF='../x/demo-1.1.tar.gz' data-yanked>demo-1.1</A>
<a href=https://other.invalid/demo%%2D2.0-py3-none-any.whl>x</a>
<a href="&#x68;ttps://e.invalid/&amp;&#47;d.whl">e</a>
</body></html>""" % H)
put("simple_html", "entities", "<a href='&#;&#x;&#99999999999;&#x7fffffffffff;x.whl'>")
put("simple_json", "pep691", """{"meta": {"api-version": "1.1"}, "name": "demo", "files": [
 {"filename": "demo-1.0-py3-none-any.whl", "url": "demo-1.0-py3-none-any.whl",
  "hashes": {"sha256": "%s"}, "requires-python": ">=3.8", "yanked": false},
 {"filename": "demo-1.1-py3-none-any.whl", "url": "https://f.invalid/demo-1.1-py3-none-any.whl",
  "hashes": {}, "yanked": "broken"}]}""" % H)
put("simple_json", "odd-types", '{"files": [1, "x", null, {"filename": 3, "url": []},'
    ' {"filename": "a.whl", "url": "a.whl", "hashes": {"sha256": 5}, "yanked": 1}]}')

# locks
put("requirements", "pip-compile", f"""#
--index-url https://example.invalid/simple
--extra-index-url=https://user:pw@example.invalid/extra
--find-links ./wheels
Torch_Vision==0.20.1+cpu \\
    --hash=sha256:{H} \\
    --hash=sha256:{"b" * 64}
    # via -r requirements.in
pywin32==306 ; sys_platform == "win32" --hash=sha256:{H}
numpy==2.1.0 ; python_version >= "3.10" and (platform_machine == 'x86_64' or extra == "x") --hash=sha256:{H}
demo @ https://files.invalid/demo-1.2-py3-none-any.whl --hash=sha256:{H}
""")
put("requirements", "refused", "-e .\nflask>=2\nrequests==2.0\n-r other.txt\n--hash\n\\\n")
put("pylock", "uv", f"""lock-version = "1.0"
created-by = "uv"
requires-python = ">=3.9"

[[packages]]
name = "attrs"
version = "25.1.0"
index = "https://pypi.org/simple"
sdist = {{ url = "https://files.invalid/attrs-25.1.0.tar.gz", size = 810562, hashes = {{ sha256 = "{H}" }} }}
wheels = [
    {{ url = "https://files.invalid/attrs-25.1.0-py3-none-any.whl", upload-time = 2025-01-25T11:30:10.164Z, size = 63152, hashes = {{ sha256 = "{H}" }} }},
]

[[packages]]
name = "colorama"
version = "0.4.6"
marker = "sys_platform == 'win32'"
wheels = [{{ name = "colorama-0.4.6-py2.py3-none-any.whl", path = "w/colorama.whl", hashes = {{ sha256 = "{H}" }} }}]

[[packages]]
name = "local"
version = "1.0"
wheels = [{{ path = "w/local-1.0-py3-none-any.whl", hashes.sha256 = "{H}" }}]
""")
put("pylock", "odd", 'lock-version = 1\npackages = "x"\n[[packages]]\nname = 3\nwheels = [1, {}]\n'
    '[[packages]]\nname="a"\nversion="1"\nwheels=[{path="../../x.whl", hashes={sha256=[]}, size=-1}]\n')
