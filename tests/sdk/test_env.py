"""`localyun env` (issue 13): the `export` lines that point an unmodified program at localyun —
credentials, region, the proxy variables, an empty NO_PROXY and a CA bundle (the local CA plus the
system roots) for OpenSSL, requests and Node — so that `eval "$(localyun env ...)"` is all a user
does. Checked with programs that are given nothing but that environment."""
from __future__ import annotations

import shlex
import subprocess

from helpers import binary, clean_env, store_args

PROGRAM = r'''
import json, requests
ok = requests.get("https://ram.aliyuncs.com/_localyun/health", timeout=10)
sls = requests.get("https://cn-hangzhou.log.aliyuncs.com/_localyun/health", timeout=10)
try:
    requests.get("https://example.com/", timeout=10)
    outside = "reached"
except requests.exceptions.ProxyError as e:
    outside = "refused"
print(json.dumps({"ram": ok.status_code, "sls": sls.status_code, "outside": outside}))
'''


def env_lines(server, extra=()):
    res = subprocess.run([binary(), "env", "--listen", f"127.0.0.1:{server.port}", *store_args(server.store), *extra],
                         capture_output=True, text=True, timeout=20,
                         env=clean_env(LOCALYUN_ACCOUNT_ID=server.root().account_id,
                                       LOCALYUN_ACCESS_KEY_ID=server.root_ak, LOCALYUN_ACCESS_KEY_SECRET=server.root_secret))
    assert res.returncode == 0, res.stderr
    return res.stdout


def parsed(text):
    out = {}
    for line in text.splitlines():
        assert line.startswith("export "), line
        name, _, value = line[len("export "):].partition("=")
        out[name] = shlex.split(value)[0] if value else ""
    return out


def test_env_prints_every_variable_and_writes_the_bundle(server, tmp_path):
    bundle = tmp_path / "bundle.pem"
    v = parsed(env_lines(server, ["--bundle", str(bundle)]))
    assert v["ALIBABA_CLOUD_ACCESS_KEY_ID"] == server.root_ak
    assert v["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] == server.root_secret
    assert v["ALIBABA_CLOUD_REGION_ID"] == "cn-hangzhou"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        assert v[name] == f"http://127.0.0.1:{server.port}", (name, v[name])
    assert v["NO_PROXY"] == "" and v["no_proxy"] == ""
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "ALIBABA_CLOUD_CA_BUNDLE"):
        assert v[name] == str(bundle.resolve()), (name, v[name])
    text = bundle.read_text()
    ca = subprocess.run([binary(), "ca", "export", *store_args(server.store)], capture_output=True, text=True).stdout
    assert text.startswith(ca), "the bundle starts with the local CA"
    assert text.count("-----BEGIN CERTIFICATE-----") > 1, "and carries the system roots after it"


def test_an_unmodified_program_reaches_localyun_with_eval_only(server, tmp_path):
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    exports = env_lines(server, ["--bundle", str(tmp_path / "bundle.pem")])
    shell = f'eval "$(cat {shlex.quote(str(tmp_path / "env.sh"))})" && exec python3 {shlex.quote(str(script))}'
    (tmp_path / "env.sh").write_text(exports)
    import sys

    res = subprocess.run(["bash", "-c", shell.replace("python3", shlex.quote(sys.executable))], capture_output=True,
                         text=True, timeout=60, env=clean_env())
    assert res.returncode == 0, res.stderr
    import json

    got = json.loads(res.stdout)
    assert got == {"ram": 200, "sls": 200, "outside": "refused"}, got


def test_node_trusts_the_bundle_from_the_environment(server, tmp_path):
    import shutil

    node = shutil.which("node")
    if not node:
        import pytest

        pytest.skip("node is not installed")
    exports = env_lines(server, ["--bundle", str(tmp_path / "bundle.pem")])
    (tmp_path / "env.sh").write_text(exports)
    js = (f"require('https').get('https://127.0.0.1:{server.port}/_localyun/health', "
          "r => { console.log(r.statusCode); process.exit(0) }).on('error', e => { console.error(e.message); process.exit(1) })")
    res = subprocess.run(["bash", "-c", f'eval "$(cat {shlex.quote(str(tmp_path / "env.sh"))})" && exec {node} -e {shlex.quote(js)}'],
                         capture_output=True, text=True, timeout=60, env=clean_env())
    assert res.returncode == 0 and res.stdout.strip() == "200", (res.stdout, res.stderr)
