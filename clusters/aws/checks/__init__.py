"""AWS checks before apply, and watched in operation mode: every Troubleshooting case of the guide, and what else
acts on the cluster, found before a resource fails.

The catalogue lives with its owners: each group resource and monitor type checks its own objects (`check_aws`
in its module); `cluster.py` adds the cluster-wide ones (the account, IAM, the object storage heartbeat, forced
stop); the families of our own (codes.py, one table) each have a module: interference.py, parity.py,
reachability.py, shared.py, events.py. The account is read once per object kind for the whole cluster
(clusters.aws.account), whatever the number of resources.
"""

from clusters.aws.checks.context import CheckContext, typed_objects
from clusters.aws.checks.policy import iam_policy, iam_policy_json
from clusters.aws.checks.run import run_checks

__all__ = ["CheckContext", "iam_policy", "iam_policy_json", "run_checks", "typed_objects"]
