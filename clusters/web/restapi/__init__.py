"""EXPRESSCLUSTER's RESTful API, as NEC's own clients call it (the status panel of CLUSTERPRO/REST-API_App and
the chat assistant EXPRESSCLUSTER/clpaic, made for X 6.0; the older Integrated-Cluster-WebUI sample reads it too).

- `answers`: the answer shape `{"result": {"code", "message"}, ...data}` and the failure codes.
- `auth`: HTTP Basic with USER@CLUSTER, a short-lived credential cache, the sign-in lock-out, cross-site refusal.
- `base`: the endpoint decorator, the request body's fields, waiting for a run's outcome.
- `reads`: GET cluster, servers, groups, resources, monitors, cluster/toratio, metrics.
- `operations`: the POSTs (cluster, servers, groups, resources, monitors, toratio, scripts/run) and mirrors.

Statuses are the product's words, from clusters.operation.productstatus, as the pages and clpstat show them.
"""
