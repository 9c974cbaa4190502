"""Cluster scripts (the RESTful API's scripts/run): listed, added and removed in Config Mode, versioned and
exported with the configuration, run on the target server's node agent, or by the console standing in."""

import base64
import json
import os
import subprocess
import sys
import time
import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clusters.clpconf import transfer, writer
from clusters.configuration.draft import from_models
from clusters.node import agent
from clusters.operation import scripts
from clusters.runtime import AppliedVersion
from tests.conftest import ARTIFACTS, ROOT, point_celery_at
from tests.guide import linux_cluster

PASSWORD = "pw-for-tests"


def applied(cluster) -> None:
    draft = from_models(cluster)
    AppliedVersion.objects.create(
        cluster=cluster, number=1, conf=writer.render_config(draft), files=draft.files("scripts", "monitor.s")
    )


def run_script(client, cluster, **body):
    token = base64.b64encode(f"operator1@{cluster.name}:{PASSWORD}".encode()).decode()
    response = client.post(
        reverse("restapi:scripts_run"), body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {token}"
    )
    return response.status_code, response.json()


def test_config_mode_lists_adds_and_removes_them_and_apply_distributes_them(client, users):
    cluster, _ = linux_cluster(users, {"start.sh": "exit 0\n"})
    page = reverse("config:scripts", args=[cluster.pk])
    client.force_login(users["admin"])
    assert "Cluster scripts" in client.get(reverse("config:home", args=[cluster.pk])).text
    upload = SimpleUploadedFile("backup.sh", b"echo backing up\n")
    assert client.post(reverse("config:script_add", args=[cluster.pk]), {"script": upload}).status_code == 302
    listed = client.get(page).text
    assert "backup.sh" in listed and "Not applied yet" in listed
    bad = SimpleUploadedFile("x.sh", b"exit 0\n")
    client.post(reverse("config:script_add", args=[cluster.pk]), {"script": bad, "name": "../evil.sh"})
    assert "is not a script name" in client.get(page).text
    cluster.refresh_from_db()
    assert set(scripts.draft_scripts(cluster)) == {"backup.sh"}
    applied(cluster)
    assert "Applied" in client.get(page).text and scripts.applied_scripts(cluster) == ["backup.sh"]
    # Exported with the setting under rexec/, and imported back with it.
    exported = transfer.export_zip(user=users["admin"], cluster=cluster)
    assert zipfile.ZipFile(BytesIO(exported)).read("rexec/backup.sh") == b"echo backing up\n"
    # A Viewer sees the list, not the form, and cannot change it.
    client.force_login(users["viewer"])
    assert "Add a cluster script" not in client.get(page).text
    assert client.post(reverse("config:script_remove", args=[cluster.pk, "backup.sh"])).status_code == 403
    client.force_login(users["admin"])
    client.post(reverse("config:script_remove", args=[cluster.pk, "backup.sh"]))
    cluster.refresh_from_db()
    assert scripts.draft_scripts(cluster) == {}
    assert "Removed; still on the servers until Apply" in client.get(page).text


def test_the_console_stands_in_for_a_server_without_an_agent_and_says_so(client, users, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    cluster, _ = linux_cluster(users, {"start.sh": "exit 0\n"})
    scripts.add_script(user=users["admin"], cluster=cluster, name="slow.sh", content=b"echo started\nsleep 5\n")
    scripts.add_script(user=users["admin"], cluster=cluster, name="hello.sh", content=b"echo hello\n")
    applied(cluster)
    status, answer = run_script(client, cluster, script="hello.sh", target="10.0.120.10", logdir="logs")
    assert status == 200 and answer["script"] == {
        "name": "hello.sh",
        "target": "server2",
        "exitcode": 0,
        "output": "hello",
    }
    log = tmp_path / "node" / "rexec-log" / cluster.name / "server2" / "logs" / "hello.sh.log"
    assert log.read_text().splitlines()[1:] == ["hello"]
    alert = cluster.alerts.first().message
    assert alert.startswith("Script hello.sh exited with code 0 on server2 (by the console: no node agent on server2).")
    started = time.monotonic()
    status, answer = run_script(client, cluster, script="slow.sh", target="server1", timeout=1)
    assert status == 504 and answer["result"]["code"] == 12 and time.monotonic() - started < 4
    assert answer["result"]["message"].startswith("Script slow.sh did not end within its timeout on server1")
    assert answer["script"]["exitcode"] is None and answer["script"]["output"] == "started"


def test_an_agent_runs_the_script_on_its_server_with_an_absolute_log_folder(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    payload = {
        "action": "rexec",
        "cluster": "c1",
        "server": "server1",
        "server_os": "linux",
        "script": "env.sh",
        "content": base64.b64encode(b'echo "$CLP_SERVER $CLP_SCRIPT"\nexit 2\n').decode(),
        "timeout": 10,
        "logdir": str(tmp_path / "var" / "log"),
    }
    answer = agent.perform(payload)
    log = tmp_path / "var" / "log" / "env.sh.log"
    assert answer == {"ok": True, "exitcode": 2, "output": "server1 env.sh", "log": str(log)}
    assert "exit code 2" in log.read_text()
    assert agent.perform(payload | {"logdir": "a/../../b"}) == {
        "ok": False,
        "message": "The log folder 'a/../../b' goes up with '..'; name a folder without it.",
    }


@pytest.mark.worker
def test_scripts_run_reaches_a_real_node_agent(client, users, transactional_db, redis_url, tmp_path):
    cluster, _ = linux_cluster(users, {"start.sh": "exit 0\n"})
    scripts.add_script(user=users["admin"], cluster=cluster, name="where.sh", content=b"echo on $CLP_SERVER; pwd\n")
    applied(cluster)
    point_celery_at(redis_url)
    from django.db import connection

    log_path = ARTIFACTS / "rexec-agent.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"REDIS_URL": redis_url, "WEBUI_SQLITE_PATH": str(connection.settings_dict["NAME"])}
    env["WEBUI_VAR_DIR"] = str(tmp_path / "agent-var")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "node_agent", cluster.name, "server1", "--listen", "127.0.0.3"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in log_path.read_bytes():
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()[-2000:]
            time.sleep(0.2)
        status, answer = run_script(client, cluster, script="where.sh", target="server1", logdir=str(tmp_path / "out"))
        assert status == 200, answer
        ran_in = tmp_path / "agent-var" / "node" / "rexec" / cluster.name / "server1"
        assert answer["script"]["output"] == f"on server1\n{ran_in}"  # the agent's own work folder
        assert json.dumps(cluster.alerts.first().message).count("by the console") == 0
        assert (tmp_path / "out" / "where.sh.log").exists()
    finally:
        process.terminate()
        process.wait(15)
