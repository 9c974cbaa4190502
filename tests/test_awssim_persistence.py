"""The simulation's state across a restart with its AWS rules on: only real changes are recorded (not what it
refused, throttled or dry-ran), and the replay is neither throttled nor PENDING."""

import json
import os
import signal
import subprocess
import sys
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from dnslib import DNSRecord

from tests.conftest import ROOT, free_port, wait_for_port

VIP = "10.1.0.20/32"


def start(port, state, ids_file):
    ids_file.unlink(missing_ok=True)
    env = os.environ | {
        "WEBUI_AWSSIM_EC2_MUTATING_SIZE": "2",
        "WEBUI_AWSSIM_EC2_MUTATING_REFILL": "1",
        "WEBUI_AWSSIM_INSYNC_SECONDS": "600",
        "WEBUI_AWSSIM_LATENCY_SCALE": "0.05",
    }
    command = ["awssim", "--port", str(port), "--ids-file", str(ids_file), "--state", str(state)]
    proc = subprocess.Popen([sys.executable, "manage.py", *command], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while not ids_file.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "awssim did not seed"
        time.sleep(0.2)
    wait_for_port(port)
    return proc, json.loads(ids_file.read_text())


def resolve(ids, name):
    reply = DNSRecord.parse(DNSRecord.question(name).send(ids["dns"]["host"], ids["dns"]["port"], timeout=5))
    return [str(rr.rdata) for rr in reply.rr]


@pytest.mark.timeout(240)
def test_only_real_changes_are_replayed_unthrottled_and_insync(tmp_path):
    port, state, ids_file = free_port(), tmp_path / "state.jsonl", tmp_path / "ids.json"
    proc, ids = start(port, state, ids_file)
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    ec2, r53 = (
        boto3.client(service, endpoint_url=ids["endpoint_url"], region_name="ap-northeast-1", config=config)
        for service in ("ec2", "route53")
    )
    public, private = ids["route_tables"]["Public-AB"], ids["route_tables"]["Private-AB"]
    eni1, eni2 = ids["servers"]["server1"]["eni_id"], ids["servers"]["server2"]["eni_id"]
    try:
        for table in (public, private):
            ec2.replace_route(RouteTableId=table, DestinationCidrBlock=VIP, NetworkInterfaceId=eni2)
        with pytest.raises(ClientError, match="RequestLimitExceeded"):
            ec2.replace_route(RouteTableId=public, DestinationCidrBlock=VIP, NetworkInterfaceId=eni1)
        with pytest.raises(ClientError, match="DryRunOperation"):
            ec2.replace_route(RouteTableId=private, DestinationCidrBlock=VIP, NetworkInterfaceId=eni1, DryRun=True)
        time.sleep(1.1)
        ec2.replace_route(RouteTableId=public, DestinationCidrBlock=VIP, NetworkInterfaceId=eni1)
        record = {
            "Name": ids["hosted_zone"]["record_name"],
            "Type": "A",
            "TTL": 60,
            "ResourceRecords": [{"Value": "10.0.120.10"}],
        }
        batch = {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]}
        assert (
            r53.change_resource_record_sets(HostedZoneId=ids["hosted_zone"]["id"], ChangeBatch=batch)["ChangeInfo"][
                "Status"
            ]
            == "PENDING"
        )
        assert resolve(ids, record["Name"]) == ["10.0.110.10"]  # INSYNC only in 600 s
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    recorded = [json.loads(line) for line in state.read_text().splitlines()]
    assert len(recorded) == 4 and "DryRun" not in state.read_text()

    proc, ids = start(port, state, ids_file)  # three ReplaceRoutes replayed into a bucket of two
    try:
        tables = ec2.describe_route_tables(RouteTableIds=[public, private])["RouteTables"]
        targets = {
            t["RouteTableId"]: r["NetworkInterfaceId"]
            for t in tables
            for r in t["Routes"]
            if r.get("DestinationCidrBlock") == VIP
        }
        assert targets == {public: eni1, private: eni2}
        assert resolve(ids, record["Name"]) == ["10.0.120.10"]  # the world as it was: long INSYNC
    finally:
        proc.terminate()
        proc.wait(10)
