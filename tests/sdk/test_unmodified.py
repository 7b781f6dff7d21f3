"""Unmodified programs (issue 13): each is a small program as a user writes it for the real cloud —
default https, the real endpoint names (`ram.aliyuncs.com`, `ims.aliyuncs.com`, `sts.aliyuncs.com`,
`https://cn-hangzhou.log.aliyuncs.com`), credentials from the environment — run by a shell that
did nothing but `eval "$(localyun env ...)"`. The SDK code paths that decide whether this works
(read in the pinned packages):

- Tea (`alibabacloud-tea`, `darabonba-core`): the proxy from HTTPS_PROXY, but inside the tunnel it
  verifies against `certifi.where()` only (urllib3's ProxyManager does not get the adapter's
  context, and `Session.send` never reads REQUESTS_CA_BUNDLE). Hence `localyun ca install`, tested
  here in a Python environment of its own (a copy of certifi first on its path), and
  `Config(ca=<bundle>)`; and, so that these tests can fail, the same program without either is
  refused with CERTIFICATE_VERIFY_FAILED.
- `alibabacloud-credentials` RAM-role provider: STS through TeaCore, so the same as Tea.
- `aliyun-log-python-sdk`: a requests Session, so HTTPS_PROXY and REQUESTS_CA_BUNDLE.
- `aliyun-python-sdk-core`: its vendored requests and certifi, HTTPS_PROXY, and
  ALIBABA_CLOUD_CA_BUNDLE (which `localyun env` exports).
- Node Tea (`@darabonba/typescript` doAction): no proxy support at all, so the Node program names
  `127.0.0.1:PORT` as its endpoint (default https) and trusts the CA through NODE_EXTRA_CA_CERTS.
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, List

import pytest

from helpers import REPO, binary, clean_env, run_cli, store_args, unique

TIMEOUT = 90

TEA_RAM_IMS = r'''
import json, os, sys
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_ims20190815 import models as ims_models
from alibabacloud_ims20190815.client import Client as Ims
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as Ram
from alibabacloud_tea_openapi.models import Config

name, mode = sys.argv[1], sys.argv[2]
extra = {"ca": os.environ["REQUESTS_CA_BUNDLE"]} if mode == "config-ca" else {}
try:
    # credentials from the default chain (the environment), and given explicitly
    ram = Ram(Config(credential=CredentialClient(), endpoint="ram.aliyuncs.com", **extra))
    ims = Ims(Config(access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
                     access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
                     endpoint="ims.aliyuncs.com", **extra))
    user = ram.create_user(ram_models.CreateUserRequest(user_name=name)).body.user
    domain = ims.get_default_domain().body.default_domain_name
    upn = f"{name}@{domain}"
    Tag = ims_models.TagResourcesRequestTag
    ims.tag_resources(ims_models.TagResourcesRequest(resource_type="user", resource_principal_name=[upn],
                                                     tag=[Tag(key="env", value="dev"), Tag(key="team", value="core")]))
    # the seed: UntagResources by ResourcePrincipalName
    ims.untag_resources(ims_models.UntagResourcesRequest(resource_type="user", resource_principal_name=[upn],
                                                         tag_key=["team"]))
    rows = ims.list_tag_resources(ims_models.ListTagResourcesRequest(resource_type="user",
                                                                     resource_principal_name=[upn])).body
    rows = rows.to_map()["TagResources"]["TagResource"]
    print(json.dumps({"user_id": user.user_id, "upn": upn,
                      "tags": [[r["ResourceId"], r["TagKey"], r["TagValue"]] for r in rows]}))
except Exception as e:
    print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
'''

RAM_ROLE = r'''
import json, os, sys
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.models import Config as CredentialConfig
from alibabacloud_sts20150401.client import Client as Sts
from alibabacloud_tea_openapi.models import Config

# a RAM user's key, as the program's own configuration gives it (roots may not assume roles)
role_arn, ak, secret = sys.argv[1:4]
try:
    cred = CredentialClient(CredentialConfig(type="ram_role_arn", access_key_id=ak, access_key_secret=secret,
                                             role_arn=role_arn, role_session_name="unmodified"))
    c = cred.get_credential()
    me = Sts(Config(credential=cred, endpoint="sts.aliyuncs.com")).get_caller_identity().body
    print(json.dumps({"ak": c.access_key_id, "token": bool(c.security_token), "arn": me.arn,
                      "type": me.identity_type}))
except Exception as e:
    print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
'''

LOG_CLIENT = r'''
import json, os, sys
from aliyun.log import LogClient

project = sys.argv[1]
client = LogClient("https://cn-hangzhou.log.aliyuncs.com", os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
                   os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"])
client.create_project(project, "made through the proxy")
client.tag_resources("project", project, env="dev", team="core")
client.untag_resources("project", project, "team")
rows = []
for page in client.list_tag_resources("project", project):
    rows += [[t.get_resource_id(), t.get_tag_key(), t.get_tag_value()] for t in page.get_tags()]
got = client.get_project(project).get_body()
print(json.dumps({"tags": rows, "description": got["description"]}))
'''

CORE_SDK = r'''
import json, sys
import os
from aliyunsdkcore.client import AcsClient
from aliyunsdkram.request.v20150501.CreateUserRequest import CreateUserRequest
from aliyunsdkram.request.v20150501.GetUserRequest import GetUserRequest

name = sys.argv[1]
client = AcsClient(os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"], os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
                   os.environ["ALIBABA_CLOUD_REGION_ID"])
create = CreateUserRequest()
create.set_UserName(name)
protocol = create.get_protocol_type()
client.do_action_with_exception(create)
get = GetUserRequest()
get.set_UserName(name)
user = json.loads(client.do_action_with_exception(get))["User"]
print(json.dumps({"protocol": protocol, "name": user["UserName"], "id": user["UserId"]}))
'''



@pytest.fixture(scope="module")
def env_file(server, tmp_path_factory) -> Path:
    """What `localyun env` printed for the session server (its default account), as a file."""
    d = tmp_path_factory.mktemp("env")
    root = server.root()
    res = subprocess.run([binary(), "env", "--listen", f"127.0.0.1:{server.port}", *store_args(server.store),
                          "--bundle", str(d / "bundle.pem")], capture_output=True, text=True, timeout=20,
                         env=clean_env(LOCALYUN_ACCOUNT_ID=root.account_id, LOCALYUN_ACCESS_KEY_ID=server.root_ak,
                                       LOCALYUN_ACCESS_KEY_SECRET=server.root_secret))
    assert res.returncode == 0, res.stderr
    path = d / "env.sh"
    path.write_text(res.stdout)
    return path


@pytest.fixture(scope="module")
def own_python(tmp_path_factory) -> Path:
    """A Python environment whose certifi is its own (a copy, first on its path), so that `ca
    install` changes nothing the rest of the suite uses."""
    import certifi

    d = tmp_path_factory.mktemp("python")
    shutil.copytree(Path(certifi.__file__).parent, d / "site" / "certifi")
    wrapper = d / "bin" / "python"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH={shlex.quote(str(d / "site"))} exec {shlex.quote(sys.executable)} "$@"\n')
    wrapper.chmod(0o755)
    where = subprocess.run([str(wrapper), "-c", "import certifi; print(certifi.where())"], capture_output=True,
                           text=True, check=True).stdout.strip()
    assert where == str(d / "site" / "certifi" / "cacert.pem"), where
    return wrapper


def run_program(env_file: Path, tmp_path: Path, source: str, args: List[str], interpreter: str = sys.executable,
                program: Path = None) -> Any:
    """Runs `source` (or the file `program`) in a shell that did `eval "$(localyun env ...)"` and
    nothing else; the program prints one JSON object."""
    if program is None:
        program = tmp_path / "program.py"
        program.write_text(source)
    line = " ".join(shlex.quote(a) for a in [interpreter, str(program), *args])
    res = subprocess.run(["bash", "-c", f'eval "$(cat {shlex.quote(str(env_file))})" && exec {line}'],
                         capture_output=True, text=True, timeout=TIMEOUT, env=clean_env(),
                         stdin=subprocess.DEVNULL)
    assert res.returncode == 0, f"program failed ({res.returncode}):\n{res.stderr}\n{res.stdout}"
    return json.loads(res.stdout.strip().splitlines()[-1])


def check_tea(got: dict, server, name: str) -> None:
    assert "error" not in got, got["error"]
    root = server.root()
    assert got["upn"] == f"{name}@{root.account_id}.onaliyun.com", got
    assert got["tags"] == [[got["user_id"], "env", "dev"]], got
    # the user is there, asked over plain http without the proxy
    assert root.api().call("GetUser", UserName=name)["User"]["UserId"] == got["user_id"]


def test_tea_needs_the_local_ca_in_certifi_inside_the_tunnel(server, env_file, own_python, tmp_path):
    # the documented exception: nothing but the environment is not enough for the Python Tea SDKs
    run_cli(["ca", "uninstall", "--python", str(own_python)])
    got = run_program(env_file, tmp_path, TEA_RAM_IMS, [unique("tea"), "env-only"], interpreter=str(own_python))
    assert "CERTIFICATE_VERIFY_FAILED" in got.get("error", ""), got


def test_tea_ram_and_ims_after_ca_install(server, env_file, own_python, tmp_path):
    certifi_file = Path(subprocess.run([str(own_python), "-c", "import certifi; print(certifi.where())"],
                                       capture_output=True, text=True, check=True).stdout.strip())
    before = certifi_file.read_text()
    res = run_cli(["ca", "install", "--python", str(own_python), *store_args(server.store)])
    assert res.returncode == 0, res.stderr
    assert str(certifi_file) in res.stdout, res.stdout
    ca = run_cli(["ca", "export", *store_args(server.store)]).stdout
    installed = certifi_file.read_text()
    assert installed.startswith(before) and ca.strip() in installed
    again = run_cli(["ca", "install", "--python", str(own_python), *store_args(server.store)])
    assert again.returncode == 0 and "already" in again.stdout and certifi_file.read_text() == installed
    try:
        name = unique("tea")
        check_tea(run_program(env_file, tmp_path, TEA_RAM_IMS, [name, "env-only"], interpreter=str(own_python)),
                  server, name)
    finally:
        res = run_cli(["ca", "uninstall", "--python", str(own_python)])
    assert res.returncode == 0 and "removed 1" in res.stdout, res.stdout
    assert certifi_file.read_text() == before, "uninstall restores certifi's bundle byte for byte"


def test_tea_ram_and_ims_with_config_ca(server, env_file, tmp_path):
    name = unique("teaca")
    check_tea(run_program(env_file, tmp_path, TEA_RAM_IMS, [name, "config-ca"]), server, name)


def test_credentials_ram_role_provider_through_sts(server, env_file, own_python, tmp_path):
    from authz_helpers import allow, create_role, doc, new_user

    root = server.root()
    trust = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                             "Principal": {"RAM": [f"acs:ram::{root.account_id}:root"]}}]}
    made = create_role(root, json.dumps(trust))
    role, arn = made["RoleName"], made["Arn"]
    caller = new_user(root, documents=[doc(allow("sts:AssumeRole", resource=arn))])
    assert run_cli(["ca", "install", "--python", str(own_python), *store_args(server.store)]).returncode == 0
    try:
        got = run_program(env_file, tmp_path, RAM_ROLE, [arn, caller.ak, caller.secret], interpreter=str(own_python))
    finally:
        run_cli(["ca", "uninstall", "--python", str(own_python)])
    assert "error" not in got, got["error"]
    assert got["ak"].startswith("STS.") and got["token"], got
    assert (got["arn"], got["type"]) == (f"acs:ram::{root.account_id}:role/{role}/unmodified", "AssumedRoleUser"), got


def test_log_client_at_the_real_https_endpoint(server, env_file, tmp_path):
    from helpers import sls_name

    project = sls_name("unmod")
    got = run_program(env_file, tmp_path, LOG_CLIENT, [project])
    assert got == {"tags": [[project, "env", "dev"]], "description": "made through the proxy"}, got


def test_core_sdk_request_classes_left_at_https(server, env_file, tmp_path):
    name = unique("core")
    got = run_program(env_file, tmp_path, CORE_SDK, [name])
    assert got["protocol"] == "https" and got["name"] == name, got
    assert server.root().api().call("GetUser", UserName=name)["User"]["UserId"] == got["id"]


@pytest.mark.skipif(shutil.which("node") is None or not (REPO / "tests" / "node" / "node_modules").is_dir(),
                    reason="node or tests/node/node_modules is missing (scripts/test.sh runs npm ci)")
def test_node_tea_client_with_node_extra_ca_certs(server, env_file, tmp_path):
    name = unique("nodetea")
    script = REPO / "tests" / "node" / "unmodified_tea.js"
    got = run_program(env_file, tmp_path, None, [f"127.0.0.1:{server.port}", name], interpreter="node", program=script)
    assert "error" not in got, got["error"]
    assert got["tags"] == [[got["userId"], "env", "dev"]], got
    assert server.root().api().call("GetUser", UserName=name)["User"]["UserId"] == got["userId"]


@pytest.mark.parametrize("python,why", [("/nonexistent/python", "cannot run"), ("/bin/false", "has no certifi")])
def test_ca_install_refuses_a_python_it_cannot_use(server, python, why):
    for command in (["ca", "install", "--python", python, *store_args(server.store)], ["ca", "uninstall", "--python", python]):
        res = run_cli(command)
        assert res.returncode == 2 and why in res.stderr, (command, res.returncode, res.stderr)
