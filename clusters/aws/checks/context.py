"""What every check reads: the AWS account (read once per object kind) and the configuration being checked."""

from django.conf import settings

from clusters.aws.account import AwsAccount
from clusters.configuration.config import Config
from clusters.configuration.draft import from_models
from clusters.models import Cluster
from webui import aws


class CheckContext:
    """The AWS account and the configuration being checked (the draft in config mode, the applied version in
    operation mode's drift watch)."""

    def __init__(self, cluster: Cluster, account: AwsAccount | None = None, config: Config | None = None):
        self.cluster = cluster
        self.account = account or AwsAccount()
        self.config = config or from_models(cluster)
        self.region = settings.AWS_REGION
        self.server_names = list(self.config.server_names)

    def instance_of(self, server: str) -> dict | None:
        """The server's instance: its forced-stop instance ID, else the instance with its interconnect address."""
        return self.config.instance_of(server, self.account)

    def instances(self) -> dict[str, dict]:
        """Each server's instance, for the servers whose instance was found."""
        return {s: i for s in self.server_names if (i := self.instance_of(s)) is not None}

    def vpc_of_servers(self) -> set[str]:
        return {i["VpcId"] for i in self.instances().values() if i.get("VpcId")}

    def interface_of(self, server: str, address: str | None = None) -> dict | None:
        """The network interface of the server's instance that carries `address` (its primary one without)."""
        instance = self.instance_of(server)
        if instance is None:
            return None
        interfaces = sorted(
            instance.get("NetworkInterfaces", []), key=lambda e: e.get("Attachment", {}).get("DeviceIndex", 0)
        )
        for eni in interfaces:
            if address is None or address in {a.get("PrivateIpAddress") for a in eni.get("PrivateIpAddresses", [])}:
                return eni
        return None

    def probe_target_groups(self, port, instances: set[str] | None = None) -> list[dict]:
        """The NLB target groups whose health check port is the LB probe port `port`: those that target the
        cluster's instances (`instances`, the context's servers' by default) when any does, else all of them."""
        groups = [g for g in self.account.target_groups() if str(g.get("HealthCheckPort")) == str(port)]
        if instances is None:
            instances = {i["InstanceId"] for i in self.instances().values()}
        own = [g for g in groups if instances & self.targets_of(g)]
        return own or groups

    def targets_of(self, group: dict) -> set[str]:
        return {t["Target"]["Id"] for t in self.account.target_health(group["TargetGroupArn"])}

    def account_id(self) -> str:
        try:
            return self.account.identity()["Account"]
        except aws.AWS_ERRORS:
            return "*"

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id()}:{resource}"


def typed_objects(config: Config) -> list:
    """Every group resource and monitor resource: what the type hooks check."""
    return [*config.resources, *config.monitors]
