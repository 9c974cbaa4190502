"""On-premises -> AWS: the hand edits of NEC's migration walkthrough, offered as one reviewed change.

An on-premises clp.conf carries what AWS has no use for: floating IPs, disk and BMC heartbeats,
PING NP resolution, BMC forced stop, and LAN addresses of the old network. `survey` finds them;
`convert` replaces them the way the guide builds an AWS cluster: each floating IP becomes the AWS
resource the user chooses (Virtual IP, Elastic IP, Secondary IP or DNS) with its monitor, the
servers' addresses become their EC2 instances' private IPs, the witness heartbeat with HTTP NP
resolution and the object storage heartbeat replace disk heartbeat and PING NP, AWS forced stop
replaces BMC, and the AWS AZ monitor is added. `preview` runs the same conversion and rolls it
back, so the user sees the change as a list and as a clp.conf diff before it is made.
"""

import difflib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.db import transaction

from clusters.aws.account import AwsAccount
from clusters.clpconf import names as N
from clusters.clpconf import writer
from clusters.clpconf.xmlpath import leftovers, parse_leftovers
from clusters.configuration import services
from clusters.models import Cluster, FailoverGroup, ForcedStop, NetworkPartition
from monitors.models import MonitorResource
from resources.models import GroupResource
from resources.registry import RESOURCE_TYPES

FLOATING_IP = "fip"  # SEEN: the on-premises floating IP resource and its monitor
FLOATING_IP_MONITOR = "fipw"
ONPREM_HEARTBEATS = ("diskhb", "bmchb", "comhb")  # SEEN: diskhb, bmchb; comhb (COM) by the same pattern
REPLACEMENTS = {
    "awsvip": "AWS Virtual IP resource",
    "awseip": "AWS Elastic IP resource",
    "awssip": "AWS Secondary IP resource",
    "awsdns": "AWS DNS resource",
}


class ConversionError(ValueError):
    """A choice cannot be carried out; the message names the field and the fix."""


@dataclass(frozen=True)
class FloatingIp:
    name: str
    group: str
    ip: str
    monitors: tuple[str, ...]


@dataclass(frozen=True)
class Survey:
    """What an imported configuration has that AWS has no use for."""

    floating_ips: tuple[FloatingIp, ...]
    heartbeats: tuple[str, ...]  # disk / BMC / COM heartbeat names
    ping_np: tuple[str, ...]
    servers: tuple[str, ...]
    other_interconnects: tuple[str, ...]  # interconnects after the first, dropped on AWS
    unconverted: tuple[str, ...]  # on-premises objects left for the user (shared disks)
    aws_forced_stop: bool  # the cluster is set up for AWS already

    @property
    def needed(self) -> bool:
        return bool(self.floating_ips or self.heartbeats or self.ping_np) or not self.aws_forced_stop


@dataclass
class Choices:
    """The user's answers: an EC2 instance per server, a replacement per floating IP, the heartbeats."""

    instances: dict[str, str]  # server name -> instance ID
    floating_ips: dict[str, dict]  # fip name -> {"type": "awsvip", "ip"/"eipid"/"hostedzoneid"+"recordset": ...}
    bucket: str
    witness_host: str = ""
    witness_port: int = 80


def _extra(text: str) -> ET.Element:
    return parse_leftovers(text) if text else ET.Element("extra")


def survey(cluster: Cluster) -> Survey:
    extra = _extra(cluster.extra_xml)
    groups = {}
    for group in cluster.groups.all():
        for ref in _extra(group.extra_xml).findall("resource"):
            groups[ref.get("name", "")] = group.name
    monitors = {}
    for monitor in extra.findall(f"{N.MONITOR_SECTION}/{FLOATING_IP_MONITOR}"):
        watched = (monitor.findtext(N.MONITOR_TARGET) or "").strip()
        monitors.setdefault(watched, []).append(monitor.get("name"))
    fips = tuple(
        FloatingIp(
            name=fip.get("name"),
            group=groups.get(f"{FLOATING_IP}@{fip.get('name')}", ""),
            ip=(fip.findtext("parameters/ip") or "").strip(),
            monitors=tuple(monitors.get(fip.get("name"), ())),
        )
        for fip in extra.findall(f"{N.RESOURCE_SECTION}/{FLOATING_IP}")
    )
    section = extra.find(N.HEARTBEAT_SECTION)
    heartbeats = tuple(hb.get("name") for hb in (section if section is not None else ()) if hb.tag in ONPREM_HEARTBEATS)
    interconnects = list(cluster.interconnects.all())
    return Survey(
        floating_ips=fips,
        heartbeats=heartbeats,
        ping_np=tuple(cluster.network_partitions.filter(kind="ping").values_list("name", flat=True)),
        servers=tuple(cluster.servers.values_list("name", flat=True)),
        other_interconnects=tuple(str(ic) for ic in interconnects[1:]),
        unconverted=tuple(d.get("name") for d in extra.findall(f"{N.RESOURCE_SECTION}/disk")),
        aws_forced_stop=ForcedStop.objects.filter(cluster=cluster, kind=ForcedStop.Kind.AWS).exists(),
    )


def convert(*, user, cluster: Cluster, choices: Choices) -> list[str]:
    """Replace the on-premises parts; return the changes in the guide's terms. All or nothing."""
    with transaction.atomic():
        return _Conversion(user, Cluster.objects.get(pk=cluster.pk), choices).run()


@dataclass(frozen=True)
class Preview:
    changes: list[str]
    diff: str  # unified diff of clp.conf


def preview(*, user, cluster: Cluster, choices: Choices) -> Preview:
    """The conversion made and rolled back: what it would change, as a list and as a clp.conf diff."""
    encoding = cluster.encoding or N.ENCODE_WINDOWS
    before = writer.render(cluster).decode(encoding).splitlines()
    with transaction.atomic():
        changes = _Conversion(user, Cluster.objects.get(pk=cluster.pk), choices).run()
        after = writer.render(Cluster.objects.get(pk=cluster.pk)).decode(encoding).splitlines()
        transaction.set_rollback(True)
    diff = "\n".join(difflib.unified_diff(before, after, "clp.conf (now)", "clp.conf (on AWS)", lineterm="", n=2))
    return Preview(changes=changes, diff=diff)


class _Conversion:
    def __init__(self, user, cluster: Cluster, choices: Choices):
        self.user, self.cluster, self.choices = user, cluster, choices
        self.changes: list[str] = []
        self.account = AwsAccount()

    def run(self) -> list[str]:
        services.require_config_mode(user=self.user, cluster=self.cluster)
        found = survey(self.cluster)
        self.instances = self._instances()
        self._interconnects()
        self._mirror_disks()
        self._heartbeats(found)
        self._forced_stop()
        for fip in found.floating_ips:
            self._floating_ip(fip)
        self._stray_floating_ip_monitors()
        self._az_monitor()
        return self.changes

    # --- servers and their network -------------------------------------------------------------
    def _instances(self) -> dict:
        found = {}
        for server in self.cluster.servers.all():
            instance_id = (self.choices.instances.get(server.name) or "").strip()
            if not instance_id:
                raise ConversionError(f"Instance ID of {server.name}: is required; pick the server's EC2 instance.")
            instance = self.account.instance(instance_id)
            if instance is None:
                raise ConversionError(
                    f"Instance ID of {server.name}: {instance_id} does not exist in this AWS account and region; "
                    "pick one of the account's instances."
                )
            found[server] = instance
        vpcs = {i.get("VpcId") for i in found.values()}
        if len(vpcs) > 1:
            raise ConversionError(f"Instance ID: the instances are in {len(vpcs)} VPCs; pick instances of one VPC.")
        return found

    def _interconnects(self) -> None:
        interconnects = list(self.cluster.interconnects.all())
        if interconnects:
            first = interconnects[0]
            for server, instance in self.instances.items():
                services.set_interconnect_address(
                    user=self.user, interconnect=first, server=server, address=instance["PrivateIpAddress"]
                )
        else:
            first = services.add_interconnect(
                user=self.user,
                cluster=self.cluster,
                addresses={s: i["PrivateIpAddress"] for s, i in self.instances.items()},
            )
        addresses = ", ".join(f"{s.name} {i['PrivateIpAddress']}" for s, i in self.instances.items())
        self.changes.append(f"Interconnect {first}: the instances' private IP addresses ({addresses}).")
        for other in interconnects[1:]:
            services.remove_object(user=self.user, obj=other)
            self.changes.append(f"Interconnect {other}: removed (each instance has one network on AWS).")
        self.first_interconnect = first
        for server in self.instances:  # disk, BMC, COM and unmatched MDC devices are on-premises hardware
            extra = _extra(server.extra_xml)
            devices = extra.findall("device")
            if devices:
                for device in devices:
                    extra.remove(device)
                server.extra_xml = leftovers(extra)
                server.save(update_fields=["extra_xml"])
                kinds = sorted({(d.findtext("type") or "").strip() for d in devices})
                self.changes.append(f"Server {server.name}: on-premises devices removed ({', '.join(kinds)}).")

    def _mirror_disks(self) -> None:
        disks = list(self.cluster.resources.filter(type="md"))
        if not disks:
            return
        first = self.first_interconnect
        if not first.mdc:
            first = services.set_interconnect_mdc(user=self.user, interconnect=first, mdc="mdc1")
            self.changes.append(f"Interconnect {first}: used as mirror disk connect mdc1.")
        for disk in disks:
            kept = {k: v for k, v in disk.parameters.items() if not k.startswith("mdc2")}  # one network on AWS
            disk.parameters = kept | {"mdc": first.mdc, "mdcdevice": first.mdc_device_id}
            extra = _extra(disk.extra_xml)
            for netdev in extra.findall("parameters/netdev"):  # further connects of the old networks
                extra.find("parameters").remove(netdev)
            disk.extra_xml = leftovers(extra)
            disk.save(update_fields=["parameters", "extra_xml"])
            self.changes.append(f"Mirror disk resource {disk.name}: mirror disk connect {first.mdc} only.")

    # --- heartbeats, NP resolution, forced stop ------------------------------------------------
    def _heartbeats(self, found: Survey) -> None:
        extra = _extra(self.cluster.extra_xml)
        for tag in ONPREM_HEARTBEATS:
            self._drop_from_section(extra, N.HEARTBEAT_SECTION, tag, set(found.heartbeats))
        self._save_cluster_extra(extra)
        for name in found.heartbeats:
            self.changes.append(f"Heartbeat {name}: removed (no shared disk, BMC or COM port on AWS).")
        for np in NetworkPartition.objects.filter(cluster=self.cluster, kind="ping"):
            services.remove_object(user=self.user, obj=np)
            self.changes.append(f"PING NP resolution {np.name}: removed; HTTP NP resolution replaces it.")
        kinds = set(self.cluster.heartbeats.values_list("kind", flat=True))
        bucket = self.choices.bucket.strip()
        if "object_storage" not in kinds:
            if not bucket:
                raise ConversionError("Bucket Name: is required for the object storage heartbeat; pick an S3 bucket.")
            services.add_object_storage_heartbeat(user=self.user, cluster=self.cluster, bucket=bucket)
            self.changes.append(f"Object storage heartbeat on Amazon S3 bucket {bucket}: added.")
        host = self.choices.witness_host.strip()
        if host and "witness" not in kinds:
            services.add_witness_heartbeat(
                user=self.user, cluster=self.cluster, host=host, port=self.choices.witness_port
            )
            self.changes.append(
                f"Witness heartbeat and HTTP NP resolution with {host}:{self.choices.witness_port}: added."
            )

    def _forced_stop(self) -> None:
        services.set_aws_forced_stop(
            user=self.user,
            cluster=self.cluster,
            instance_ids={s: i["InstanceId"] for s, i in self.instances.items()},
        )
        self.changes.append(
            "Forced stop: AWS forced stop of the servers' instances ("
            + ", ".join(f"{s.name} {i['InstanceId']}" for s, i in self.instances.items())
            + ")."
        )

    # --- floating IPs -> AWS resources ---------------------------------------------------------
    def _floating_ip(self, fip: FloatingIp) -> None:
        choice = dict(self.choices.floating_ips.get(fip.name) or {})
        kind = choice.pop("type", "")
        if kind not in REPLACEMENTS:
            raise ConversionError(
                f"Floating IP resource {fip.name}: choose what replaces it ({', '.join(REPLACEMENTS.values())})."
            )
        group = FailoverGroup.objects.get(cluster=self.cluster, name=fip.group)
        servers = list(self.instances)
        first, others = servers[0], servers[1:]
        eni = {s: self.instances[s]["NetworkInterfaces"][0]["NetworkInterfaceId"] for s in servers}
        vpc = self.instances[first]["VpcId"]
        if kind == "awsvip":
            parameters = {"ip": choice.get("ip") or fip.ip, "vpcid": vpc, "eniid": eni[first]}
            per_server = {s: {"vpcid": vpc, "eniid": eni[s]} for s in others}
        elif kind == "awsdns":
            address = {s: self.instances[s]["PrivateIpAddress"] for s in servers}
            parameters = {
                "hostedzoneid": choice.get("hostedzoneid", ""),
                "recordset": choice.get("recordset", ""),
                "ip": address[first],
            }
            per_server = {s: {"ip": address[s]} for s in others}
        else:  # awseip, awssip: the value the user gave, each server's primary ENI
            key = "eipid" if kind == "awseip" else "ip"
            parameters = {key: choice.get(key, ""), "eniid": eni[first]}
            per_server = {s: {"eniid": eni[s]} for s in others}
        problems = RESOURCE_TYPES.get_type(kind, self.cluster.server_os).validate(
            fip.name, parameters, {s.name: v for s, v in per_server.items()}
        )
        if problems:
            raise ConversionError(f"Floating IP resource {fip.name} -> {REPLACEMENTS[kind]}: {problems[0]}")
        taken = set(self.cluster.resources.values_list("name", flat=True))
        name = services.next_name(taken, kind)
        self._drop_floating_ip(fip)
        resource = services.add_group_resource(
            user=self.user, group=group, type=kind, name=name, parameters=parameters, server_parameters=per_server
        )
        self._redirect_dependencies(fip.name, resource)
        watched = f" and its monitor {', '.join(fip.monitors)}" if fip.monitors else ""
        self.changes.append(
            f"Floating IP resource {fip.name} ({fip.ip}){watched}: replaced by {REPLACEMENTS[kind]} "
            f"{name} in group {group.name}, with its monitor."
        )

    def _drop_floating_ip(self, fip: FloatingIp) -> None:
        extra = _extra(self.cluster.extra_xml)
        self._drop_from_section(extra, N.RESOURCE_SECTION, FLOATING_IP, {fip.name})
        self._drop_from_section(extra, N.MONITOR_SECTION, FLOATING_IP_MONITOR, set(fip.monitors))
        self._save_cluster_extra(extra)
        group = FailoverGroup.objects.get(cluster=self.cluster, name=fip.group)
        extra = _extra(group.extra_xml)
        for ref in extra.findall("resource"):
            if ref.get("name") == f"{FLOATING_IP}@{fip.name}":
                extra.remove(ref)
        group.extra_xml = leftovers(extra)
        group.save(update_fields=["extra_xml"])

    def _stray_floating_ip_monitors(self) -> None:
        """A floating IP monitor whose target is no floating IP here (a vendor sample has one) has nothing to watch."""
        extra = _extra(self.cluster.extra_xml)
        section = extra.find(N.MONITOR_SECTION)
        for monitor in section.findall(FLOATING_IP_MONITOR) if section is not None else ():
            target = (monitor.findtext(N.MONITOR_TARGET) or "").strip()
            self._drop_from_section(extra, N.MONITOR_SECTION, FLOATING_IP_MONITOR, {monitor.get("name")})
            self.changes.append(
                f"Floating IP monitor resource {monitor.get('name')}: removed (it watches {target}, "
                "which is not a floating IP resource of this configuration)."
            )
        self._save_cluster_extra(extra)

    def _redirect_dependencies(self, old: str, new: GroupResource) -> None:
        """Resources that depended on the floating IP depend on its replacement."""
        for resource in self.cluster.resources.exclude(pk=new.pk):
            extra = _extra(resource.extra_xml)
            depends = [d for d in extra.findall("depend") if d.get("name") == old]
            if depends:
                for d in depends:
                    extra.remove(d)
                resource.extra_xml = leftovers(extra)
                resource.save(update_fields=["extra_xml"])
                resource.depends_on.add(new)

    def _az_monitor(self) -> None:
        if self.cluster.monitors.filter(type="awsazw").exists():
            return
        servers = list(self.instances)
        zone = {s: self.instances[s].get("Placement", {}).get("AvailabilityZone", "") for s in servers}
        taken = set(MonitorResource.objects.filter(cluster=self.cluster).values_list("name", flat=True))
        name = services.next_name(taken, "awsazw")
        services.add_monitor_resource(
            user=self.user,
            cluster=self.cluster,
            type="awsazw",
            name=name,
            parameters={"availabilityzone": zone[servers[0]]},
            server_parameters={s: {"availabilityzone": zone[s]} for s in servers[1:]},
        )
        self.changes.append(
            f"AWS AZ monitor resource {name}: added (" + ", ".join(f"{s.name} {zone[s]}" for s in servers) + ")."
        )

    @staticmethod
    def _drop_from_section(extra: ET.Element, section_tag: str, tag: str, names: set) -> None:
        """Remove objects of a kept section; the last of a type takes its <types> marker, an emptied section goes."""
        section = extra.find(section_tag)
        if section is None:
            return
        for element in section.findall(tag):
            if element.get("name") in names:
                section.remove(element)
        if section.find(tag) is None:
            for marker in section.findall(N.TYPES_TAG):
                if marker.get("name") == tag:
                    section.remove(marker)
        if not len(section):
            extra.remove(section)

    def _save_cluster_extra(self, extra: ET.Element) -> None:
        self.cluster.extra_xml = leftovers(extra)
        Cluster.objects.filter(pk=self.cluster.pk).update(extra_xml=self.cluster.extra_xml)
