"""Check AWS: what else acts on the cluster's instances and standby parity, each planted in the simulation, found
and named with its code."""

import uuid

import botocore.exceptions
import pytest

from clusters.aws.checks import run_checks
from clusters.configuration import services
from tests import guide, planted
from tests.guide import build_on_sim as build
from tests.guide import sim_client as client
from webui import awssim

OTHER_AMI = "ami-1ecc1e67"  # Windows Server 2012 R2 in moto's catalogue


def test_automatic_recovery_stop_protection_and_auto_scaling(users, sim):
    ec2, scaling = client(sim, "ec2"), client(sim, "autoscaling")
    first, second = (sim["servers"][s]["instance_id"] for s in ("server1", "server2"))
    ec2.modify_instance_maintenance_options(InstanceId=second, AutoRecovery="default")
    ec2.modify_instance_attribute(InstanceId=first, DisableApiStop={"Value": True})
    group = f"asg-{uuid.uuid4().hex[:6]}"
    scaling.create_launch_configuration(
        LaunchConfigurationName=group, ImageId=awssim.WINDOWS_AMI, InstanceType="t3.medium"
    )
    scaling.create_auto_scaling_group(
        AutoScalingGroupName=group,
        LaunchConfigurationName=group,
        MinSize=0,
        MaxSize=2,
        DesiredCapacity=0,
        VPCZoneIdentifier=sim["servers"]["server2"]["subnet_id"],
    )
    scaling.attach_instances(InstanceIds=[second], AutoScalingGroupName=group)

    findings = run_checks(build("vip", users, sim))

    [recovery] = planted.find(findings, "interference.auto_recovery")
    assert (recovery.code, recovery.severity, recovery.object, recovery.server) == (
        "CW101",
        "warning",
        "server2",
        "server2",
    )
    assert recovery.message == f"Automatic recovery of server2's instance {second} is on (default)."
    assert f"--instance-id {second} --auto-recovery disabled" in recovery.fix
    [protected] = planted.find(findings, "interference.stop_protection")
    assert (protected.code, protected.severity, protected.server) == ("CW102", "error", "server1")
    assert protected.message.endswith(f"{first}: AWS forced stop cannot stop it.")
    with pytest.raises(botocore.exceptions.ClientError, match="OperationNotPermitted"):
        ec2.stop_instances(InstanceIds=[first])  # as EC2 refuses it: what the finding says forced stop meets
    [scaled] = planted.find(findings, "interference.auto_scaling")
    assert (scaled.code, scaled.severity, scaled.server) == ("CW104", "error", "server2")
    assert scaled.message == f"server2's instance {second} belongs to Auto Scaling group {group}."


def test_cloudwatch_alarms_that_act_on_a_cluster_instance(users, sim):
    watch, region = client(sim, "cloudwatch"), sim["region"]
    alarms = {
        "server1": ("recover", f"arn:aws:automate:{region}:ec2:recover"),
        "server2": ("terminate", f"arn:aws:swf:{region}:123456789012:action/actions/AWS_EC2.InstanceId.Terminate/1.0"),
    }
    for server, (verb, action) in alarms.items():
        watch.put_metric_alarm(
            AlarmName=f"{verb}-{sim['servers'][server]['instance_id']}",
            Namespace="AWS/EC2",
            MetricName="StatusCheckFailed_System",
            Dimensions=[{"Name": "InstanceId", "Value": sim["servers"][server]["instance_id"]}],
            Statistic="Minimum",
            Period=60,
            EvaluationPeriods=2,
            Threshold=0,
            ComparisonOperator="GreaterThanThreshold",
            AlarmActions=[action, f"arn:aws:sns:{region}:123456789012:ops"],  # the notification is no action on it
        )

    found = {f.server: f for f in planted.find(run_checks(build("vip", users, sim)), "interference.alarm_action")}

    assert sorted(found) == ["server1", "server2"]
    assert (found["server1"].code, found["server1"].severity) == ("CW103", "warning")
    instance = sim["servers"]["server1"]["instance_id"]
    assert found["server1"].message.startswith(f"CloudWatch alarm recover-{instance} would recover server1's instance")
    assert (found["server2"].severity, "would terminate" in found["server2"].message) == ("error", True)


def test_zonal_autoshift_and_a_zonal_shift_on_the_probe_ports_load_balancer(users, sim):
    planted.zonal_shift_integration(sim)
    cluster = build("nlb", users, sim)
    assert planted.ours(run_checks(cluster)) == []  # integration on, nothing shifted, autoshift off

    zone = sim["servers"]["server1"]["availability_zone"]
    planted.zonal_shift(sim, autoshift=True, away_from=zone)
    findings = run_checks(cluster)

    [auto] = planted.find(findings, "interference.zonal_autoshift")
    name = sim["nlb"]["arn"].rsplit("/", 2)[-2]
    assert (auto.code, auto.object, auto.severity) == ("CW105", "lbpp1", "warning")
    assert auto.message.startswith(f"Zonal autoshift is on for load balancer {name}")
    [shift] = planted.find(findings, "interference.zonal_shift")
    assert shift.code == "CW106"
    assert f"A zonal shift away from {zone} is active on load balancer {name} until " in shift.message
    assert shift.message.endswith(": no traffic reaches server1 there.")


def test_zonal_shift_that_aws_does_not_answer_is_could_not_check(users, sim):
    planted.zonal_shift_integration(sim)
    planted.admin(sim, "zonal-shift", {"answered": False})

    [unknown] = planted.find(run_checks(build("nlb", users, sim)), "unanswered")

    name = sim["nlb"]["arn"].rsplit("/", 2)[-2]
    assert (unknown.code, unknown.severity, unknown.object) == ("CW901", "warning", "lbpp1")
    assert unknown.message.startswith(f"Could not check zonal shift and zonal autoshift of load balancer {name}: ")
    assert "arc-zonal-shift:ListManagedResources" in unknown.fix


def test_a_standby_built_otherwise(users, sim):
    ec2, iam = client(sim, "ec2"), client(sim, "iam")
    server2 = sim["servers"]["server2"]
    other = ec2.run_instances(
        ImageId=OTHER_AMI,
        InstanceType="m5.large",
        MinCount=1,
        MaxCount=1,
        SubnetId=server2["subnet_id"],
        PrivateIpAddress="10.0.120.20",
    )["Instances"][0]
    ec2.modify_instance_maintenance_options(InstanceId=other["InstanceId"], AutoRecovery="disabled")
    profile = f"ecx-{uuid.uuid4().hex[:6]}"
    iam.create_instance_profile(InstanceProfileName=profile)
    ec2.associate_iam_instance_profile(
        IamInstanceProfile={"Name": profile}, InstanceId=sim["servers"]["server1"]["instance_id"]
    )
    ids = guide.ids_from_sim(sim)
    ids["servers"]["server2"] = {
        "ip": "10.0.120.20",
        "instance": other["InstanceId"],
        "eni": other["NetworkInterfaces"][0]["NetworkInterfaceId"],
        "az": server2["availability_zone"],
    }
    cluster = guide.build("vip", user=users["admin"], name=f"c-{uuid.uuid4().hex[:6]}", ids=ids)

    findings = run_checks(cluster)

    by_check = {f.check: f for f in findings if f.check.startswith("parity.")}
    assert sorted(by_check) == ["parity.image", "parity.instance_profile", "parity.instance_type"]
    assert {(f.code, f.object, f.server, f.severity) for f in by_check.values()} == {
        ("CW201", "failover1", "server2", "warning"),
        ("CW202", "failover1", "server2", "warning"),
        ("CW203", "failover1", "server2", "warning"),
    }
    assert by_check["parity.instance_type"].message == (
        "server2's instance type m5.large differs from server1's t3.medium (group failover1)."
    )
    assert by_check["parity.image"].message == (
        f"server2's instance runs image {OTHER_AMI}, server1's {awssim.WINDOWS_AMI} (group failover1)."
    )
    assert by_check["parity.instance_profile"].message == (
        f"server2's instance has no instance profile, server1's instance profile {profile} (group failover1)."
    )


def test_mirror_disk_volumes_of_other_sizes(users, sim):
    ec2 = client(sim, "ec2")
    for server, size in (("server1", 20), ("server2", 10)):
        volume = ec2.create_volume(Size=size, AvailabilityZone=sim["servers"][server]["availability_zone"])
        ec2.attach_volume(
            VolumeId=volume["VolumeId"], InstanceId=sim["servers"][server]["instance_id"], Device="/dev/sdf"
        )

    # Windows: a drive letter says nothing of the volume, so the data volumes are compared.
    [volumes] = planted.find(run_checks(build("vip", users, sim)), "parity.data_volumes")
    assert (volumes.code, volumes.object, volumes.server, volumes.severity) == ("CW206", "md", "server2", "warning")
    assert volumes.message.startswith("server2's data volumes (10 GiB) differ from server1's (20 GiB)")

    # Linux: the data partition's device names the volume.
    linux, _ = guide.linux_cluster(
        users,
        {"start.sh": "exit 0\n", "stop.sh": "exit 0\n"},
        instance_ids={s: v["instance_id"] for s, v in sim["servers"].items()},
    )
    services.set_interconnect_mdc(user=users["admin"], interconnect=linux.interconnects.get(), mdc="mdc1")
    services.add_group_resource(
        user=users["admin"],
        group=linux.groups.get(),
        type="md",
        name="md1",
        parameters={"mountpoint": "/mnt/md1", "dppath": "/dev/xvdf1", "cppath": "/dev/xvdg1"},
    )
    [volume] = planted.find(run_checks(linux), "parity.mirror_volume")
    assert (volume.code, volume.severity, volume.server) == ("CW205", "error", "server2")
    assert volume.message == (
        "The data partition /dev/xvdf1 of md1 is on a 10 GiB volume on server2 and a 20 GiB volume on server1."
    )
