"""The embedded AWS simulation: moto's server behind a thin layer of ours that makes it behave like AWS.

- topology.py: the guide's reference topology it is seeded with (`seed`);
- rules.py: AWS's published rate buckets, latency and Route 53 propagation, each a WEBUI_AWSSIM_* setting;
- layer.py: the WSGI layer in front of moto (IAM, DryRun, buckets, latency, Route 53 PENDING/INSYNC);
- iam.py: principals with a given policy (`create_principal`) and how their calls are judged;
- route53.py, dns.py: change propagation and the DNS server that answers as of INSYNC;
- extras.py: what moto lacks and the console reads (scheduled events, automatic recovery, ARC zonal shift);
- server.py: `start_server`, `start_persistent` (the changes replayed across restarts).
"""

from webui.awssim.iam import create_principal, set_policy
from webui.awssim.rules import Rules, SettingError, load
from webui.awssim.server import Simulation, start_persistent, start_server
from webui.awssim.topology import (
    HEALTH_CHECK_INTERVAL,
    HEALTH_CHECK_PORT,
    HEARTBEAT_BUCKET,
    HOSTED_ZONE,
    RECORD_NAME,
    SERVERS,
    SUBNETS,
    VIP,
    VPC_CIDR,
    WINDOWS_AMI,
    seed,
)

__all__ = [
    "HEALTH_CHECK_INTERVAL",
    "HEALTH_CHECK_PORT",
    "HEARTBEAT_BUCKET",
    "HOSTED_ZONE",
    "RECORD_NAME",
    "SERVERS",
    "SUBNETS",
    "VIP",
    "VPC_CIDR",
    "WINDOWS_AMI",
    "Rules",
    "SettingError",
    "Simulation",
    "create_principal",
    "load",
    "seed",
    "set_policy",
    "start_persistent",
    "start_server",
]
