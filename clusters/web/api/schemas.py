"""What the console's API takes and answers, and how a cluster or a run becomes an answer."""

from typing import Any

from ninja import Schema

from clusters.models import Cluster, TaskRun


class Message(Schema):
    detail: str


class FieldProblem(Schema):
    field: str
    message: str
    fix: str


class Errors(Schema):
    errors: list[FieldProblem]


class ClusterOut(Schema):
    id: int
    name: str
    comment: str
    language: str
    server_os: str


class ClusterIn(Schema):
    name: str
    language: str = "en"
    comment: str = ""


class ServerIn(Schema):
    name: str
    address: str  # its private IP address on the first interconnect


class GroupIn(Schema):
    name: str
    comment: str = ""
    startup_servers: list[str] = []


class GroupChange(Schema):
    comment: str | None = None
    startup_servers: list[str] | None = None
    startup: str | None = None
    failover: str | None = None
    failback: str | None = None


class ResourceIn(Schema):
    type: str
    name: str
    comment: str = ""
    parameters: dict[str, Any] = {}
    server_parameters: dict[str, dict[str, Any]] = {}  # server name -> its own values
    depends_on: list[str] = []


class ValuesChange(Schema):
    comment: str | None = None
    parameters: dict[str, Any] | None = None
    server_parameters: dict[str, dict[str, Any]] | None = None
    depends_on: list[str] | None = None


class MonitorIn(Schema):
    type: str
    name: str
    comment: str = ""
    target: str = ""  # Target Resource
    parameters: dict[str, Any] = {}
    server_parameters: dict[str, dict[str, Any]] = {}


class RunIn(Schema):
    kind: str
    params: dict[str, Any] = {}


class RunOut(Schema):
    id: int
    kind: str
    status: str
    progress: int
    cluster: str | None
    params: dict
    result: dict
    error: str
    created_at: str
    finished_at: str | None
    lines: list[dict]


class AlertOut(Schema):
    at: str
    level: str
    server: str
    message: str


class VersionOut(Schema):
    number: int
    applied_at: str
    applied_by: str
    distributed_to: str
    operations: list


class ProblemOut(Schema):
    object: str
    field: str
    server: str
    message: str
    solution: str
    severity: str
    code: str
    check: str
    cause: str


def cluster_out(cluster: Cluster) -> dict:
    return {
        "id": cluster.pk,
        "name": cluster.name,
        "comment": cluster.comment,
        "language": cluster.language,
        "server_os": cluster.server_os,
    }


def imported_out(result) -> dict:
    """An import's (or a restore's) answer: the cluster whose draft it made, and what it warned of."""
    return {"cluster": cluster_out(result.cluster), "warnings": result.warnings}


def run_out(run: TaskRun, *, lines: bool = True) -> dict:
    return {
        "id": run.pk,
        "kind": run.kind,
        "status": run.status,
        "progress": run.progress,
        "cluster": run.cluster.name if run.cluster_id else None,
        "params": run.params,
        "result": run.result,
        "error": run.error,
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "lines": [{"at": line.at.isoformat(), "level": line.level, "message": line.message} for line in run.lines.all()]
        if lines
        else [],
    }
