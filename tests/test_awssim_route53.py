"""Route 53 in the simulation: PENDING then INSYNC, PriorRequestNotComplete, and names resolving only when INSYNC."""

import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from dnslib import QTYPE, RCODE, DNSRecord


def route53(sim):
    return boto3.client(
        "route53",
        endpoint_url=sim["endpoint_url"],
        region_name="ap-northeast-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def change(r53, sim, name, value, action="UPSERT"):
    record = {"Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": value}]}
    return r53.change_resource_record_sets(
        HostedZoneId=sim["hosted_zone"]["id"],
        ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": record}]},
    )["ChangeInfo"]


def ask(moto_server, name, kind="A"):
    """The simulation's DNS server's answer: (rcode, [values], authority SOA TTLs)."""
    host, port = moto_server["dns"]
    reply = DNSRecord.parse(DNSRecord.question(name, kind).send(host, port, timeout=5))
    values = [str(rr.rdata) for rr in reply.rr if QTYPE[rr.rtype] == kind]
    return RCODE[reply.header.rcode], values, [rr.ttl for rr in reply.auth if QTYPE[rr.rtype] == "SOA"]


def until_insync(r53, change_id, seconds=10):
    """Poll GetChange as a client must: Route 53 takes five requests a second from the whole account."""
    deadline = time.monotonic() + seconds
    while r53.get_change(Id=change_id)["ChangeInfo"]["Status"] != "INSYNC":
        assert time.monotonic() < deadline, f"{change_id} still PENDING after {seconds} s"
        time.sleep(0.3)


def test_a_change_answers_pending_with_its_own_id_and_turns_insync_after_the_delay(sim):
    r53 = route53(sim)
    first = change(r53, sim, "a.hz1.local.", "10.0.110.20")
    second = change(r53, sim, "b.hz1.local.", "10.0.110.21")
    assert first["Status"] == second["Status"] == "PENDING"
    assert first["Id"] != second["Id"] and first["Id"].startswith("/change/C")
    assert r53.get_change(Id=first["Id"])["ChangeInfo"]["Status"] == "PENDING"
    started = time.monotonic()
    until_insync(r53, first["Id"])
    assert time.monotonic() - started > 0.5  # the session's delay is 1 s
    assert r53.get_change(Id=first["Id"])["ChangeInfo"]["Id"] == first["Id"]


def test_a_second_change_to_a_record_still_pending_gets_prior_request_not_complete(sim):
    r53 = route53(sim)
    name = sim["hosted_zone"]["record_name"]
    pending = change(r53, sim, name, "10.0.120.10")
    with pytest.raises(ClientError) as caught:
        change(r53, sim, name, "10.0.110.10")
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("PriorRequestNotComplete", 400)
    change(r53, sim, "other.hz1.local.", "10.0.110.30")  # another record of the zone is free to change
    until_insync(r53, pending["Id"])
    assert change(r53, sim, name, "10.0.110.10")["Status"] == "PENDING"
    records = r53.list_resource_record_sets(HostedZoneId=sim["hosted_zone"]["id"], StartRecordName=name)
    assert records["ResourceRecordSets"][0]["ResourceRecords"] == [{"Value": "10.0.110.10"}]


def test_a_name_resolves_only_once_its_change_is_insync(sim, moto_server):
    r53 = route53(sim)
    name = "new.hz1.local."
    created = change(r53, sim, name, "10.0.110.40")
    rcode, values, soa_ttls = ask(moto_server, name)
    assert (rcode, values) == ("NXDOMAIN", [])
    assert soa_ttls == [900]  # negative answers carry the zone's SOA (TTL 900, minimum 86400): cached 900 s
    until_insync(r53, created["Id"])
    assert ask(moto_server, name)[:2] == ("NOERROR", ["10.0.110.40"])


def test_an_upsert_still_pending_answers_the_previous_address_and_a_delete_nxdomain_only_when_insync(sim, moto_server):
    r53 = route53(sim)
    name = sim["hosted_zone"]["record_name"]
    assert ask(moto_server, name)[:2] == ("NOERROR", ["10.0.110.10"])  # seeded: INSYNC from the start
    moved = change(r53, sim, name, "10.0.120.10")
    assert ask(moto_server, name)[:2] == ("NOERROR", ["10.0.110.10"])
    until_insync(r53, moved["Id"])
    assert ask(moto_server, name)[:2] == ("NOERROR", ["10.0.120.10"])
    deleted = change(r53, sim, name, "10.0.120.10", action="DELETE")
    assert ask(moto_server, name)[:2] == ("NOERROR", ["10.0.120.10"])
    until_insync(r53, deleted["Id"])
    assert ask(moto_server, name)[:2] == ("NXDOMAIN", [])


def test_the_dns_server_answers_nodata_for_another_type_and_refuses_names_of_no_hosted_zone(sim, moto_server):
    name = sim["hosted_zone"]["record_name"]
    rcode, values, soa_ttls = ask(moto_server, name, "TXT")
    assert (rcode, values, soa_ttls) == ("NOERROR", [], [900])
    assert ask(moto_server, "example.com.")[0] == "REFUSED"
    assert ask(moto_server, "hz1.local.", "SOA")[1][0].startswith("ns-2048.awsdns-64.com.")
