"""Check AWS's own families of findings, each a module with `check(ctx)` and `iam_statements(ctx)` (its reads)."""

from clusters.aws.checks import events, interference, parity, reachability, shared

FAMILIES = (interference, parity, reachability, shared, events)
