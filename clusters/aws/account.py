"""Reads of the AWS account for pick lists and checks: one call per object kind, cached, never raising.

Every client comes from webui.aws; a failed read leaves an empty list and a note that says why,
so a page or a check run can go on without AWS. Each kind of AWS object is one public method, read
for the whole cluster at once (a batch call with every instance ID, or a filter by VPC), so that a
check run makes the same calls whatever the number of resources; only what AWS has no batch call for
(an instance attribute) is read once per server.
"""

import ipaddress

from webui import aws


def _chunks(items, size: int):
    items = sorted(set(items))
    return [items[i : i + size] for i in range(0, len(items), size)]


class AwsAccount:
    def __init__(self):
        self._cache: dict = {}
        self.errors: list[str] = []
        self.error_kinds: list[str] = []  # how each of `errors` failed (aws.failure_kind)
        # Reads of the checks that say "could not check" themselves: what failed, how (aws.failure_kind).
        self.unanswered: dict[str, tuple[str, str]] = {}

    def _read(self, key: str, call):
        if key not in self._cache:
            try:
                self._cache[key] = call()
            except aws.AWS_ERRORS as exc:
                self.errors.append(f"Could not read {key.replace('_', ' ')} from AWS: {aws.error_message(exc)}")
                self.error_kinds.append(aws.failure_kind(exc))
                self._cache[key] = None
        return self._cache[key] or []

    def _try(self, key: str, call):
        """A read whose failure the check that needs it reports ("could not check"): None when it failed."""
        if key not in self._cache:
            try:
                self._cache[key] = call()
            except aws.AWS_ERRORS as exc:
                self.unanswered[key] = (aws.error_message(exc), aws.failure_kind(exc))
                self._cache[key] = None
        return self._cache[key]

    def readable(self, kind: str) -> bool:
        """Whether the list `kind` (e.g. "vpcs") was read: an existence check concludes nothing otherwise."""
        getattr(self, kind)()
        return self._cache.get(kind) is not None

    def _read_one(self, key: str, call, default=None):
        """A call about one object (a bucket, a target group...): cached; a failure is recorded and returns default."""
        if key not in self._cache:
            try:
                self._cache[key] = call()
            except aws.AWS_ERRORS as exc:
                self.errors.append(f"Could not read {key} from AWS: {aws.error_message(exc)}")
                self.error_kinds.append(aws.failure_kind(exc))
                self._cache[key] = default
        return self._cache[key]

    def identity(self) -> dict:
        """Who we are (STS); raises the AWS error, so that the account check can say what is wrong."""
        if "identity" not in self._cache:
            self._cache["identity"] = aws.client("sts").get_caller_identity()
        return self._cache["identity"]

    def subnets(self) -> list[dict]:
        return self._read("subnets", lambda: aws.all_pages("ec2", "describe_subnets", "Subnets"))

    def route_tables(self) -> list[dict]:
        return self._read("route_tables", lambda: aws.all_pages("ec2", "describe_route_tables", "RouteTables"))

    def _by_id(self, kind: str, items, key: str) -> dict:
        index = f"{kind}_by_id"
        if index not in self._cache:
            self._cache[index] = {item[key]: item for item in items()}
        return self._cache[index]

    def eni(self, eni_id: str) -> dict | None:
        return self._by_id("eni", self.network_interfaces, "NetworkInterfaceId").get(eni_id)

    def instance(self, instance_id: str) -> dict | None:
        return self._by_id("instance", self.instances, "InstanceId").get(instance_id)

    def subnet(self, subnet_id: str) -> dict | None:
        return self._by_id("subnet", self.subnets, "SubnetId").get(subnet_id)

    def target_health(self, arn: str) -> list[dict]:
        return self._read_one(
            f"targets of {arn.rsplit('/', 2)[-2]}",
            lambda: aws.client("elbv2").describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"],
            [],
        )

    def load_balancer_attributes(self, arn: str) -> dict:
        def call():
            attributes = aws.client("elbv2").describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
            return {a["Key"]: a["Value"] for a in attributes}

        return self._read_one(f"attributes of load balancer {arn.rsplit('/', 2)[-2]}", call, {})

    def hosted_zone(self, zone_id: str) -> dict | None:
        """One call tells a hosted zone's name, privacy and associated VPCs: {} when it does not exist,
        None when it could not be read (the reason is in errors)."""
        key = f"hosted zone {zone_id}"
        if key not in self._cache:
            try:
                found = aws.client("route53").get_hosted_zone(Id=zone_id)
                self._cache[key] = found["HostedZone"] | {"VPCs": found.get("VPCs", [])}
            except aws.AWS_ERRORS as exc:
                missing = getattr(exc, "response", {}).get("Error", {}).get("Code") in (
                    "NoSuchHostedZone",
                    "InvalidInput",
                )
                if not missing:
                    self.errors.append(f"Could not read {key} from AWS: {aws.error_message(exc)}")
                    self.error_kinds.append(aws.failure_kind(exc))
                self._cache[key] = {} if missing else None
        return self._cache[key]

    def dns_support(self, vpc_id: str) -> bool | None:
        def call():
            answer = aws.client("ec2").describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")
            return answer["EnableDnsSupport"]["Value"]

        return self._read_one(f"enableDnsSupport of {vpc_id}", call)

    def vpcs(self) -> list[dict]:
        return self._read("vpcs", lambda: aws.all_pages("ec2", "describe_vpcs", "Vpcs"))

    def network_interfaces(self) -> list[dict]:
        return self._read(
            "network_interfaces", lambda: aws.all_pages("ec2", "describe_network_interfaces", "NetworkInterfaces")
        )

    def addresses(self) -> list[dict]:
        return self._read("addresses", lambda: aws.client("ec2").describe_addresses()["Addresses"])

    def availability_zones(self) -> list[dict]:
        return self._read(
            "availability_zones", lambda: aws.client("ec2").describe_availability_zones()["AvailabilityZones"]
        )

    def instances(self) -> list[dict]:
        def call():
            pages = aws.client("ec2").get_paginator("describe_instances").paginate()
            return [i for page in pages for r in page["Reservations"] for i in r["Instances"]]

        return self._read("instances", call)

    def hosted_zones(self) -> list[dict]:
        return self._read("hosted_zones", lambda: aws.all_pages("route53", "list_hosted_zones", "HostedZones"))

    def buckets(self) -> list[dict]:
        return self._read("buckets", lambda: aws.client("s3").list_buckets()["Buckets"])

    def target_groups(self) -> list[dict]:
        return self._read("target_groups", lambda: aws.all_pages("elbv2", "describe_target_groups", "TargetGroups"))

    # --- what else acts on a cluster's instances (Check AWS's interference, parity, reachability, events) ------
    # Each returns None when AWS did not answer (the reason in `unanswered`), so that a check can say it could
    # not check rather than pass.

    def instance_statuses(self, instance_ids) -> list[dict] | None:
        """DescribeInstanceStatus of the instances, stopped ones too: their scheduled events (100 IDs a call)."""

        def call():
            ec2 = aws.client("ec2")
            return [
                status
                for chunk in _chunks(instance_ids, 100)
                for page in ec2.get_paginator("describe_instance_status").paginate(
                    InstanceIds=chunk, IncludeAllInstances=True
                )
                for status in page["InstanceStatuses"]
            ]

        return self._try(f"instance status of {', '.join(sorted(instance_ids))}", call) if instance_ids else []

    def stop_protection(self, instance_id: str) -> bool | None:
        """The instance's DisableApiStop attribute: EC2 has no batch call for an attribute, so one call each."""

        def call():
            answer = aws.client("ec2").describe_instance_attribute(InstanceId=instance_id, Attribute="disableApiStop")
            return bool(answer.get("DisableApiStop", {}).get("Value"))

        return self._try(f"stop protection of {instance_id}", call)

    def alarms(self) -> list[dict] | None:
        """Every CloudWatch metric alarm of the Region (an alarm names its instance in a dimension, not a filter)."""
        return self._try("CloudWatch alarms", lambda: aws.all_pages("cloudwatch", "describe_alarms", "MetricAlarms"))

    def auto_scaling_instances(self, instance_ids) -> list[dict] | None:
        """The instances that belong to an Auto Scaling group (50 IDs a call)."""

        def call():
            client = aws.client("autoscaling")
            return [
                found
                for chunk in _chunks(instance_ids, 50)
                for found in client.describe_auto_scaling_instances(InstanceIds=chunk)["AutoScalingInstances"]
            ]

        return self._try(f"Auto Scaling instances of {', '.join(sorted(instance_ids))}", call) if instance_ids else []

    def volumes(self, instance_ids) -> list[dict] | None:
        """The EBS volumes attached to the instances."""
        if not instance_ids:
            return []
        filters = [{"Name": "attachment.instance-id", "Values": sorted(set(instance_ids))}]
        return self._try(
            f"EBS volumes of {', '.join(sorted(instance_ids))}",
            lambda: aws.all_pages("ec2", "describe_volumes", "Volumes", Filters=filters),
        )

    def security_groups(self, vpc_ids) -> list[dict] | None:
        """Every security group of the VPCs (with the ones their rules refer to)."""
        filters = [{"Name": "vpc-id", "Values": sorted(set(vpc_ids))}]
        return self._try(
            f"security groups of {', '.join(sorted(vpc_ids))}",
            lambda: aws.all_pages("ec2", "describe_security_groups", "SecurityGroups", Filters=filters),
        )

    def network_acls(self, vpc_ids) -> list[dict] | None:
        filters = [{"Name": "vpc-id", "Values": sorted(set(vpc_ids))}]
        return self._try(
            f"network ACLs of {', '.join(sorted(vpc_ids))}",
            lambda: aws.all_pages("ec2", "describe_network_acls", "NetworkAcls", Filters=filters),
        )

    def vpc_endpoints(self, vpc_ids) -> list[dict] | None:
        filters = [{"Name": "vpc-id", "Values": sorted(set(vpc_ids))}]
        return self._try(
            f"VPC endpoints of {', '.join(sorted(vpc_ids))}",
            lambda: aws.all_pages("ec2", "describe_vpc_endpoints", "VpcEndpoints", Filters=filters),
        )

    def load_balancers(self, arns) -> list[dict] | None:
        """The load balancers (their subnets), when their own network interfaces were not found."""
        return self._try(
            "load balancers",
            lambda: aws.all_pages("elbv2", "describe_load_balancers", "LoadBalancers", LoadBalancerArns=sorted(arns)),
        )

    def zonal_shift_resources(self) -> list[dict] | None:
        """The resources Route 53 ARC may shift away from an AZ: zonal autoshift and active zonal shifts."""
        return self._try("zonal shifts", lambda: aws.all_pages("arc-zonal-shift", "list_managed_resources", "items"))

    # --- pick lists: (value, what it is) ------------------------------------------------------
    def choices(self, kind: str) -> list[tuple[str, str]]:
        return getattr(self, f"_choices_{kind}")()

    @staticmethod
    def _name(tags) -> str:
        return next((t["Value"] for t in tags or [] if t["Key"] == "Name"), "")

    def _choices_vpcs(self):
        return [(v["VpcId"], f"{self._name(v.get('Tags'))} {v['CidrBlock']}".strip()) for v in self.vpcs()]

    def _choices_network_interfaces(self):
        return [
            (
                e["NetworkInterfaceId"],
                f"{e.get('PrivateIpAddress', '')} {e.get('Attachment', {}).get('InstanceId', '')} "
                f"{e['AvailabilityZone']}",
            )
            for e in self.network_interfaces()
        ]

    def _choices_addresses(self):
        return [(a["AllocationId"], a["PublicIp"]) for a in self.addresses() if "AllocationId" in a]

    def _choices_availability_zones(self):
        return [(z["ZoneName"], z.get("State", "")) for z in self.availability_zones()]

    def _choices_instances(self):
        return [
            (i["InstanceId"], f"{self._name(i.get('Tags'))} {i.get('PrivateIpAddress', '')}".strip())
            for i in self.instances()
        ]

    def _choices_hosted_zones(self):
        return [(z["Id"].split("/")[-1], z["Name"]) for z in self.hosted_zones()]

    def _choices_buckets(self):
        return [(b["Name"], "") for b in self.buckets()]

    # --- lookups ------------------------------------------------------------------------------
    def vpc_cidrs(self) -> list[ipaddress.IPv4Network]:
        cidrs = []
        for vpc in self.vpcs():
            for association in vpc.get("CidrBlockAssociationSet") or [{"CidrBlock": vpc["CidrBlock"]}]:
                cidrs.append(ipaddress.ip_network(association["CidrBlock"]))
        return cidrs

    def instance_by_private_ip(self, address: str) -> dict | None:
        return next((i for i in self.instances() if i.get("PrivateIpAddress") == address), None)

    # --- failover rehearsal and its worst case ------------------------------------------------
    def instance_role(self, instance: dict) -> str | None:
        """The ARN of the IAM role the instance's profile carries (what the AWS CLI on it acts as), or None."""
        profile = (instance.get("IamInstanceProfile") or {}).get("Arn", "")
        if not profile:
            return None
        name = profile.rsplit("/", 1)[-1]
        found = self._read_one(
            f"instance profile {name}",
            lambda: aws.client("iam").get_instance_profile(InstanceProfileName=name)["InstanceProfile"],
            {},
        )
        roles = (found or {}).get("Roles") or []
        return roles[0]["Arn"] if roles else None

    @staticmethod
    def assume_role(role_arn: str, session: str) -> dict:
        """Temporary credentials of the role (sts:AssumeRole; its trust policy must let the console in). Raises
        the AWS error, so that the caller can say why it acts as itself instead."""
        made = aws.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session[:64], DurationSeconds=900)
        creds = made["Credentials"]
        return {
            "access_key_id": creds["AccessKeyId"],
            "secret_access_key": creds["SecretAccessKey"],
            "session_token": creds["SessionToken"],
            "arn": made["AssumedRoleUser"]["Arn"],
        }

    def record_set(self, zone_id: str, name: str, kind: str = "A") -> dict | None:
        """The zone's record set `name` of type `kind` as Route 53 holds it, or None (also when unreadable)."""

        def call():
            found = aws.client("route53").list_resource_record_sets(
                HostedZoneId=zone_id, StartRecordName=name, StartRecordType=kind, MaxItems="1"
            )["ResourceRecordSets"]
            return next((r for r in found if r["Name"] == name and r["Type"] == kind), None)

        return self._read_one(f"record set {name} {kind} of {zone_id}", call)

    def negative_cache_seconds(self, zone_id: str) -> int | None:
        """How long a resolver caches "no such name" from the zone (RFC 2308: the smaller of the SOA record's TTL
        and its minimum field), or None when it cannot be read."""
        zone = self.hosted_zone(zone_id)
        if not zone:
            return None
        soa = self.record_set(zone_id, zone["Name"], "SOA")
        if not soa or not soa.get("ResourceRecords"):
            return None
        fields = soa["ResourceRecords"][0]["Value"].split()
        try:
            return min(int(soa["TTL"]), int(fields[6]))
        except (IndexError, ValueError, KeyError):
            return None

    def health_check(self, port, instances=()) -> dict | None:
        """The NLB target group whose health check port is `port` (of several, the one targeting any of
        `instances`): its interval and thresholds, and its targets."""
        groups = [g for g in self.target_groups() if str(g.get("HealthCheckPort")) == str(port)]
        if not groups:
            return None
        targets = {
            g["TargetGroupArn"]: {t["Target"]["Id"] for t in self.target_health(g["TargetGroupArn"])} for g in groups
        }
        group = next((g for g in groups if targets[g["TargetGroupArn"]] & set(instances)), groups[0])
        return {
            "interval": int(group.get("HealthCheckIntervalSeconds", 30)),
            "healthy": int(group.get("HealthyThresholdCount", 5)),
            "unhealthy": int(group.get("UnhealthyThresholdCount", 2)),
            "targets": sorted(targets[group["TargetGroupArn"]]),
            "name": group.get("TargetGroupName", ""),
        }
