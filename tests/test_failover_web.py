"""The Failover pages of Config Mode and Operation Mode, the drill's evidence downloads, the game day's FIS template,
and the console's API for them."""

import io
import json

from pypdf import PdfReader

from clusters.models import TaskRun
from clusters.runtime import Drill, DrillSchedule
from tests import guide
from tests.runs import ok, run

EVIDENCE = {
    "started_by": "admin1",
    "configuration": "applied version 1",
    "groups": [
        {
            "name": "failover1",
            "source": "server1",
            "target": "server2",
            "passed": False,
            "reason": "an outage of 4 s exceeds the computed bound of 3 s",
            "probed_by": "the console (no node agent on server2)",
            "bound": 3.0,
            "measured": [4.0, 0.0],
            "switch": [0.1, 0.1],
            "moves": [
                {"from": "server1", "to": "server2", "stop": 100.5, "online": 100.6},
                {"from": "server2", "to": "server1", "stop": 106.0, "online": 106.1},
            ],
            "steps": [
                {"at": 100.0, "level": "info", "what": "Probing awsvip1 of failover1"},
                {"at": 100.5, "level": "info", "what": "Move failover1: server1 -> server2"},
                {"at": 100.6, "level": "info", "what": "Resource awsvip1 started on server2."},
                {"at": 106.0, "level": "info", "what": "Move failover1: server2 -> server1"},
                {"at": 106.1, "level": "info", "what": "Resource awsvip1 started on server1."},
            ],
            "samples": [
                {"at": 100.0, "leads_to": "server1", "seen": {"awsvip1": "10.1.0.20/32 routed to eni-1"}},
                {"at": 101.0, "leads_to": None, "seen": {}},
                {"at": 104.0, "leads_to": "server2", "seen": {}},
                {"at": 107.0, "leads_to": "server1", "seen": {}},
            ],
        }
    ],
}


def test_config_mode_shows_the_worst_case_and_rehearses_the_draft(client, users):
    cluster = guide.build("vip", user=users["admin"])
    client.force_login(users["operator"])
    page = client.get(f"/clusters/{cluster.pk}/config/")
    assert f'href="/clusters/{cluster.pk}/config/failover/"'.encode() in page.content
    page = client.get(f"/clusters/{cluster.pk}/config/failover/")
    text = page.content.decode()
    assert "Worst case, computed" in text and "server1 &rarr; server2" in text
    assert "Error found by awsvipw1 (AWS Virtual IP monitor resource)" in text
    assert "awsvip1: not read from AWS" in text  # the page never waits on AWS: the rehearsal reads it
    assert "Start a drill" not in text  # drills run in Operation Mode
    answer = client.post(f"/clusters/{cluster.pk}/failover/rehearse/", {"server": "server1", "mode": "config"})
    started = TaskRun.objects.get(cluster=cluster, kind="failover_rehearsal")
    assert answer.status_code == 302 and answer["Location"] == f"/runs/{started.pk}/"
    assert started.params == {"server": "server1", "draft": True}


def test_operation_mode_starts_drills_keeps_schedules_and_a_viewer_only_reads(client, users, sim):
    cluster = guide.build_on_sim("eip", users, sim)
    ok(run("apply", users, cluster))
    client.force_login(users["operator"])
    assert (
        f'href="/clusters/{cluster.pk}/operation/failover/"'.encode()
        in client.get(f"/clusters/{cluster.pk}/operation/").content
    )
    form = {"every": "month", "day": "15", "hour": "2", "window_hours": "3", "group": "failover1"}
    client.post(f"/clusters/{cluster.pk}/failover/schedules/add/", form)
    schedule = DrillSchedule.objects.get(cluster=cluster)
    assert (schedule.every, schedule.day, schedule.hour, schedule.group) == ("month", 15, 2, "failover1")
    client.post(f"/clusters/{cluster.pk}/failover/schedules/add/", {**form, "day": "31"})
    assert DrillSchedule.objects.count() == 1  # refused: not every month has a 31st
    page = client.get(f"/clusters/{cluster.pk}/operation/failover/").content.decode()
    assert "Monthly, day 15 2:00 for 3 h" in page and "Day of the month is 1 to 28" in page
    client.post(f"/clusters/{cluster.pk}/failover/drills/start/", {"group": "failover1"})
    assert TaskRun.objects.get(cluster=cluster, kind="drill").params == {"group": "failover1"}
    client.force_login(users["viewer"])
    assert client.post(f"/clusters/{cluster.pk}/failover/schedules/{schedule.pk}/remove/").status_code == 403
    client.force_login(users["operator"])
    client.post(f"/clusters/{cluster.pk}/failover/schedules/{schedule.pk}/remove/")
    assert not DrillSchedule.objects.exists()


def test_a_drills_evidence_downloads_as_html_pdf_and_json(client, users):
    cluster = guide.build("vip", user=users["admin"])
    drill = Drill.objects.create(cluster=cluster, passed=False, summary="failover1: failed", evidence=EVIDENCE)
    client.force_login(users["viewer"])
    base = f"/clusters/{cluster.pk}/failover/drills/{drill.pk}/"
    html = client.get(base).content.decode()
    assert (
        "Group failover1: failed" in html and "4.0 s, 0.0 s" in html and "Move failover1: server1 -&gt; server2" in html
    )
    found = json.loads(client.get(base + "?format=json").content)
    assert found["groups"][0]["steps"][1] == {"t": 0.5, "level": "info", "what": "Move failover1: server1 -> server2"}
    assert [s["good"] for s in found["groups"][0]["samples"]] == [True, False, True, True]
    document = client.get(base + "?format=pdf")
    assert document["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(document.content)).pages[0].extract_text()
    assert "Group failover1: FAILED" in text and "Measured outage (client-perceived): 4 s, 0 s" in text
    assert "Verdict: an outage of 4 s exceeds the computed bound of 3 s" in text


def test_the_fis_template_downloads_and_is_created_in_aws(client, users, sim):
    cluster = guide.build_on_sim("vip", users, sim)
    guide.give_roles(sim, cluster)
    client.force_login(users["viewer"])
    found = json.loads(client.get(f"/clusters/{cluster.pk}/failover/fis-template/").content)
    template = found["experimentTemplate"]
    assert {a["actionId"] for a in template["actions"].values()} == {
        "aws:ec2:stop-instances",
        "aws:fis:inject-api-throttle-error",
        "aws:fis:inject-api-unavailable-error",
    }
    server1 = sim["servers"]["server1"]["instance_id"]
    assert template["targets"]["ActiveInstance"]["resourceArns"][0].endswith(f"instance/{server1}")
    operations = template["actions"]["ThrottleFailoverCalls"]["parameters"]["operations"].split(",")
    assert {"ReplaceRoute", "DescribeRouteTables", "StopInstances"} <= set(operations)
    assert [c["source"] for c in template["stopConditions"]] == ["aws:cloudwatch:alarm"]
    assert found["alarms"][0]["Dimensions"][0]["Value"] == sim["servers"]["server2"]["instance_id"]
    assert client.post(f"/clusters/{cluster.pk}/failover/fis-template/").status_code == 403
    client.force_login(users["admin"])
    client.post(f"/clusters/{cluster.pk}/failover/fis-template/")
    fis = guide.sim_client(sim, "fis")
    [made] = [
        t
        for t in fis.list_experiment_templates()["experimentTemplates"]
        if t["tags"].get("clusterwebui:cluster") == cluster.name
    ]
    assert set(fis.get_experiment_template(id=made["id"])["experimentTemplate"]["actions"]) == set(template["actions"])
    alarms = guide.sim_client(sim, "cloudwatch").describe_alarms(AlarmNames=[found["alarms"][0]["AlarmName"]])
    assert alarms["MetricAlarms"][0]["MetricName"] == "StatusCheckFailed"


def test_the_api_gives_the_worst_case_and_starts_a_rehearsal(client, users):
    cluster = guide.build("sip", user=users["admin"])
    client.force_login(users["operator"])
    answer = client.get(f"/api/webui/v1/clusters/{cluster.pk}/worst-case?configuration=draft").json()
    [group] = answer["groups"]
    assert answer["configuration"] == "draft" and group["bounds"]["move"] > 0 and group["target"] == "server2"
    refused = client.post(
        f"/api/webui/v1/clusters/{cluster.pk}/rehearsal", {"server": "server9"}, content_type="application/json"
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "server"
    started = client.post(
        f"/api/webui/v1/clusters/{cluster.pk}/rehearsal", {"server": "server1"}, content_type="application/json"
    )
    assert started.status_code == 202 and started.json()["kind"] == "failover_rehearsal"
