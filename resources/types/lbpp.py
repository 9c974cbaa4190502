"""LB probe port resource: opens the NLB health-check port on the active server (guide ch. 8)."""

import contextlib
import socket
import threading

from django.conf import settings

from clusters.configuration.params import Change, Param
from resources.registry import ResourceFailed, ResourceType

# The probe port's listeners, by port, in the process that activated them (the server's node agent).
LISTENERS: dict[int, socket.socket] = {}


def probe_host() -> str:
    """Where the listener binds: the agent's --listen address (all of the server's addresses by default)."""
    return settings.WEBUI_NODE_LISTEN


def close(port: int) -> None:
    listener = LISTENERS.pop(port, None)
    if listener is not None:
        # shutdown() wakes the thread blocked in accept(); close() alone would leave the port listening.
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()


class LbProbePortType(ResourceType):
    def activate(self, resource, server):
        """Listen on the health-check port while active, so the NLB sees this server healthy."""
        port = int(resource.parameters["port"])
        if port in LISTENERS:
            return f"port {port} already open"
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((probe_host(), port))
        except OSError:
            listener.close()
            raise ResourceFailed("", f"Port {port} is already used.") from None
        listener.listen()
        LISTENERS[port] = listener

        def answer():
            while True:
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return  # closed at deactivation
                connection.close()

        threading.Thread(target=answer, daemon=True, name=f"lbpp-{port}").start()
        return f"port {port} open"

    def deactivate(self, resource, server):
        close(int(resource.parameters["port"]))
        return "port closed"

    def server_facts(self, resource, server, instance, account):
        """The health the NLB sees of this server as a target of the group probing the port (what the probe port
        is for: healthy on the active server, unhealthy on the others)."""
        port = str(resource.parameters.get("port", ""))
        for group in account.target_groups():
            if str(group.get("HealthCheckPort")) != port:
                continue
            for target in account.target_health(group["TargetGroupArn"]):
                if target["Target"]["Id"] == instance["InstanceId"]:
                    return {f"{resource.name} NLB target": target.get("TargetHealth", {}).get("State", "unknown")}
        return {}

    def balancer_port(self, resource):
        return int(resource.parameters.get("port") or 0) or None

    def claims(self, resource, config, ctx):
        """The target group with this health check port that targets the cluster's instances."""
        port = resource.parameters.get("port", "")
        instances = {i["InstanceId"] for s in config.server_names if (i := config.instance_of(s, ctx.account))}
        if not port or not instances:
            return []
        return [
            ("shared.probe_port", ("probe", g["TargetGroupArn"]), f"{port} of target group {g['TargetGroupName']}")
            for g in ctx.probe_target_groups(port, instances)
            if instances & ctx.targets_of(g)
        ]

    def check_aws(self, resource, ctx):
        port = str(resource.parameters.get("port", ""))
        groups = [g for g in ctx.account.target_groups() if str(g.get("HealthCheckPort")) == port]
        if not groups:
            return [
                resource.problem(
                    "Port Number",
                    f"No NLB target group has health check port {port}.",
                    fix=f"Create the NLB target group with health check port {port} (guide 8.1.2), or set Port "
                    "Number to its health check port.",
                    cause="The health check request is not received from the load balancer.",
                    check="lbpp.target_group_exists",
                )
            ]
        found = []
        # Of the target groups with that port, those that target this cluster's instances are its own.
        instances = {i["InstanceId"] for s in ctx.server_names if (i := ctx.instance_of(s))}
        own = [
            g for g in groups if instances & {t["Target"]["Id"] for t in ctx.account.target_health(g["TargetGroupArn"])}
        ]
        groups = own or groups
        interval = max(g.get("HealthCheckIntervalSeconds", 30) for g in groups)
        timeout = resource.value("hctimeout")
        if isinstance(timeout, int) and timeout <= interval:
            found.append(
                resource.problem(
                    "Health Check Timeout",
                    f"This value must be greater than the interval of the NLB's health check ({interval} seconds).",
                    fix=f"Set the timeout duration to {interval + 1} seconds or more.",
                    check="lbpp.health_check_timeout",
                )
            )
        targets = {t["Target"]["Id"] for g in groups for t in ctx.account.target_health(g["TargetGroupArn"])}
        for server in ctx.server_names:
            instance = ctx.instance_of(server)
            if instance is not None and instance["InstanceId"] not in targets:
                found.append(
                    resource.problem(
                        "Port Number",
                        f"The target group with health check port {port} does not target {server}'s instance "
                        f"{instance['InstanceId']}.",
                        fix="Register the instances intended for the HA cluster nodes as targets.",
                        server=server,
                        check="lbpp.targets_servers",
                    )
                )
        for arn in sorted({arn for g in groups for arn in g.get("LoadBalancerArns", [])}):
            attributes = ctx.account.load_balancer_attributes(arn)
            if attributes.get("load_balancing.cross_zone.enabled") != "true":
                found.append(
                    resource.problem(
                        "Port Number",
                        f"Cross-zone load balancing is off on {arn.rsplit('/', 2)[-2]}.",
                        fix="After creating the NLB, go to its Attributes, then enable Cross-zone load balancing.",
                        check="lbpp.cross_zone",
                    )
                )
        return found

    # --- failover: worst case, rehearsal, probe ---------------------------------------------------
    @staticmethod
    def _health_check(resource, account, config) -> dict | None:
        instances = [i["InstanceId"] for s in config.server_names if (i := config.instance_of(s, account))]
        return account.health_check(resource.parameters.get("port", ""), instances)

    def aws_facts(self, resource, account, config):
        return self._health_check(resource, account, config) or {}

    def propagation(self, resource, facts, *, deactivated):
        interval = facts.get("interval", HEALTH_CHECK["interval"])
        healthy, unhealthy = (
            facts.get("healthy", HEALTH_CHECK["healthy"]),
            facts.get("unhealthy", HEALTH_CHECK["unhealthy"]),
        )
        # The NLB must see the old target unhealthy and the new one healthy: the longer of the two.
        return [
            (
                f"NLB health checks: interval {interval} s x {max(healthy, unhealthy)} "
                f"(healthy threshold {healthy}, unhealthy threshold {unhealthy})",
                interval * max(healthy, unhealthy),
            )
        ]

    def failover_warnings(self, resource, facts, config):
        interval, timeout = facts.get("interval", HEALTH_CHECK["interval"]), resource.value("hctimeout")
        if not isinstance(timeout, int) or timeout > interval:
            return []
        return [
            resource.problem(
                "Health Check Timeout",
                f"{timeout} s is not above the NLB's health check interval ({interval} s): the probe port monitor "
                "finds no health check in time and fails the group over for nothing.",
                fix=f"Set the timeout duration to {interval + 1} seconds or more.",
                check="lbpp.health_check_timeout",
            )
        ]

    def rehearse(self, resource, server, rehearsal):
        port = resource.parameters.get("port", "")
        found = self._health_check(resource, rehearsal.account, rehearsal.config)
        instance = rehearsal.config.instance_of(server, rehearsal.account)
        if found is None:
            return [
                resource.problem(
                    "Port Number",
                    f"No NLB target group has health check port {port}.",
                    fix=f"Create the NLB target group with health check port {port} (guide 8.1.2).",
                    check="lbpp.target_group_exists",
                )
            ]
        if instance is not None and instance["InstanceId"] not in found["targets"]:
            return [
                resource.problem(
                    "Port Number",
                    f"The target group {found['name']} (health check port {port}) does not target {server}'s "
                    f"instance {instance['InstanceId']}: the NLB would never send it traffic.",
                    fix="Register the instances intended for the HA cluster nodes as targets.",
                    server=server,
                    check="lbpp.targets_servers",
                )
            ]
        return []

    def leads_to(self, resource, probe):
        port = int(resource.parameters["port"])
        open_on = [s for s in probe.server_names if probe.accepts(probe.listen_of(s), port)]
        shared = len({probe.listen_of(s) for s in probe.server_names}) == 1
        if shared and open_on:  # one address for every server (the console stands in): it answers, not who
            return probe.ANY, f"port {port} open on {probe.listen_of(open_on[0])}"
        if len(open_on) != 1:
            return None, f"port {port} open on {', '.join(open_on) or 'no server'}"
        return open_on[0], f"port {port} open on {open_on[0]} ({probe.listen_of(open_on[0])})"


# An NLB target group's health check as AWS creates it where the account cannot be read (the interval is the
# guide's 8.1.2 setting; the thresholds are AWS's defaults for a TCP health check).
HEALTH_CHECK = {"interval": 30, "healthy": 5, "unhealthy": 2}


TYPE = LbProbePortType(
    code="lbpp",
    points_to="port",
    label="LB probe port resource",
    monitor="lbppw",
    on_server=True,
    held_by_agent=True,
    params=(
        # INFERRED paths for the LB probe port resource.
        Param("port", "parameters/port", "Port Number", "int", required=True, minimum=1, maximum=65535),
        Param(
            "hctimeout",
            "parameters/hctimeout",
            "Health Check Timeout",
            "int",
            default=30,  # the product's, when clp.conf states none
            # The guide (8.3): "Set the timeout duration to 31 seconds or more", its NLB's interval being 30 s
            # (8.1.2, AWS's default for an NLB target group): the product's 30 is refused against that NLB.
            proposed=31,
            minimum=5,
            maximum=999999,
            section="Tuning",
            change=Change.NOTHING,
            help="Must be greater than the interval of the NLB's health check (31 or more for 30 s).",
        ),
    ),
    form_checks=("lbpp.health_check_timeout",),
)
