"""Clients of EXPRESSCLUSTER's RESTful API that behave as NEC's own do (their code read, not copied):

- `Panel`: the status panel of CLUSTERPRO/REST-API_App (statpanel/src/clusterapi.ts). Basic authorization on
  every call; a body only for POSTs that have one, then with Content-Type application/json. A GET succeeds when
  the HTTP status is ok (it returns the data beside `result`); a POST when the status is ok, there is data, AND
  `result.message` is empty: any message is its failure.
- `Assistant`: the chat assistant EXPRESSCLUSTER/clpaic (src/clpaic-remote: tool_definitions.py, clpaic.py).
  Content-Type application/json on every call, the body only when the tool has one; an HTTP error becomes
  {"error": "HTTP N", "detail": body}; success is `result.code == 0`.
"""

import base64
import json

import requests


class PanelError(Exception):
    """What the panel throws: the answer's message (or the HTTP failure)."""


class Panel:
    def __init__(self, base: str, user: str, password: str):
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.base, self.headers = base.rstrip("/"), {"Authorization": f"Basic {token}"}
        self.last = None  # the last answer (status, JSON), for the tests' own checks

    def fetch(self, method: str, uri: str, body: dict | None = None) -> tuple[bool, dict | None, str]:
        headers = dict(self.headers)
        data = None
        if body:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body)
        response = requests.request(method, self.base + uri, headers=headers, data=data, timeout=300)
        answer = response.json()
        self.last = (response.status_code, answer)
        result = answer.pop("result")
        return response.ok, (answer if response.ok else None), result["message"]

    def get(self, uri: str, key: str):
        ok, data, message = self.fetch("GET", uri)
        if not ok or data is None:
            raise PanelError(message)
        return data[key]

    def command_post(self, uri: str, params: dict | None = None) -> None:
        ok, data, message = self.fetch("POST", uri, params)
        if not ok or data is None:
            raise PanelError(message)
        if message != "":  # an operation that failed says why in the message
            raise PanelError(message)

    # --- reads -----------------------------------------------------------------------------------
    def get_cluster(self):
        return self.get("/api/v1/cluster", "cluster")

    def get_toratio(self):
        return self.get("/api/v1/cluster/toratio", "cluster")

    def get_servers(self, name: str | None = None):
        return self.get("/api/v1/servers" + (f"/{name}" if name else ""), "servers")

    def get_server_names(self):
        return self.get("/api/v1/servers?select=name", "servers")

    def get_groups(self, name: str | None = None):
        return self.get("/api/v1/groups" + (f"/{name}" if name else ""), "groups")

    def get_group_names(self, name: str | None = None):
        return self.get("/api/v1/groups" + (f"/{name}" if name else "") + "?select=name", "groups")

    def get_group_resources(self, name: str | None = None):
        return self.get("/api/v1/groups" + (f"/{name}" if name else "") + "?select=resources", "groups")

    def get_resources(self, name: str | None = None):
        return self.get("/api/v1/resources" + (f"/{name}" if name else ""), "resources")

    def get_resource_names(self):
        return self.get("/api/v1/resources?select=name", "resources")

    def get_monitors(self, name: str | None = None):
        return self.get("/api/v1/monitors" + (f"/{name}" if name else ""), "monitors")

    def get_monitor_names(self):
        return self.get("/api/v1/monitors?select=name", "monitors")

    def get_cluster_status(self) -> dict:
        return {
            "id": self.base,
            "cluster": self.get_cluster(),
            "servers": self.get_servers(),
            "groups": self.get_groups(),
            "resources": self.get_resources(),
            "monitors": self.get_monitors(),
        }

    # --- operations --------------------------------------------------------------------------------
    def cluster(self, action: str):  # start, stop, reboot, shutdown, suspend, resume
        self.command_post(f"/api/v1/cluster/{action}")

    def set_toratio(self, ratio, time):
        self.command_post("/api/v1/cluster/toratio/set", {"ratio": ratio, "time": time})

    def reset_toratio(self):
        self.command_post("/api/v1/cluster/toratio/reset")

    def server(self, name: str, action: str):  # start, stop, reboot, shutdown
        self.command_post(f"/api/v1/servers/{name}/{action}")

    def group(self, action: str, name: str | None = None, target: str | None = None):  # start, stop, move
        uri = "/api/v1/groups" + (f"/{name}" if name else "")
        self.command_post(f"{uri}/{action}", {"target": target} if target else None)

    def start_resource(self, name: str, target: str):
        self.command_post(f"/api/v1/resources/{name}/start", {"target": target})

    def stop_resource(self, name: str):
        self.command_post(f"/api/v1/resources/{name}/stop")

    def monitor(self, name: str, action: str, target: str):  # suspend, resume
        self.command_post(f"/api/v1/monitors/{name}/{action}", {"target": target})

    def run_script(self, script: str, target: str, timeout: int, logdir: str):
        self.command_post(
            "/api/v1/scripts/run", {"script": script, "target": target, "timeout": timeout, "logdir": logdir}
        )


# clpaic's tools beyond the panel's calls: (method, endpoint, body) from the tool's arguments.
TOOLS = {
    "start_server_dummy_failure": lambda a: ("POST", f"/api/v1/servers/{a['servername']}/dummy-failure/start", None),
    "stop_server_dummy_failure": lambda a: ("POST", f"/api/v1/servers/{a['servername']}/dummy-failure/stop", None),
    "start_monitor_dummy_failure": lambda a: (
        "POST",
        f"/api/v1/monitors/{a['monitorname']}/dummy-failure/start",
        {"target": a["target"]},
    ),
    "stop_monitor_dummy_failure": lambda a: (
        "POST",
        f"/api/v1/monitors/{a['monitorname']}/dummy-failure/stop",
        {"target": a["target"]},
    ),
    "start_group": lambda a: (
        "POST",
        f"/api/v1/groups/{a['groupname']}/start" if a.get("groupname") else "/api/v1/groups/start",
        {"target": a["target"]},
    ),
    "stop_group": lambda a: (
        "POST",
        f"/api/v1/groups/{a['groupname']}/stop" if a.get("groupname") else "/api/v1/groups/stop",
        {"target": a["target"]} if a.get("target") else None,
    ),
    "move_group": lambda a: (
        "POST",
        f"/api/v1/groups/{a['groupname']}/move",
        {"target": a["target"]} if a.get("target") else None,
    ),
    "set_cluster_toratio": lambda a: (
        "POST",
        "/api/v1/cluster/toratio/set",
        {k: v for k, v in {"ratio": a.get("ratio"), "time": a.get("time")}.items() if v is not None},
    ),
    "run_script": lambda a: (
        "POST",
        "/api/v1/scripts/run",
        {k: a.get(k) for k in ("script", "target", "timeout", "logdir") if a.get(k) is not None},
    ),
    "get_server_status": lambda a: (
        "GET",
        f"/api/v1/servers/{a['servername']}" if a.get("servername") else "/api/v1/servers",
        None,
    ),
    "get_monitor_status": lambda a: (
        "GET",
        f"/api/v1/monitors/{a['monitorname']}" if a.get("monitorname") else "/api/v1/monitors",
        None,
    ),
    "get_groups_uptime": lambda a: (
        "GET",
        f"/api/v1/metrics/groups/{a['groupname']}/uptime" if a.get("groupname") else "/api/v1/metrics/groups/uptime",
        None,
    ),
    "get_config_last_applied_date": lambda a: ("GET", "/api/v1/metrics/config/last-applied-date", None),
    "mirror_backup_preaction": lambda a: ("POST", "/api/v1/mirrors/backup/preaction", a or None),
    "mirror_restore_postaction": lambda a: ("POST", "/api/v1/mirrors/restore/postaction", a or None),
    "get_mirror_backup_status": lambda a: ("GET", "/api/v1/mirrors/backup/status", None),
    "get_cluster_toratio": lambda a: ("GET", "/api/v1/cluster/toratio", None),
    "reboot_server": lambda a: ("POST", f"/api/v1/servers/{a['servername']}/reboot", None),
    "shutdown_cluster": lambda a: ("POST", "/api/v1/cluster/shutdown", None),
    "reboot_cluster": lambda a: ("POST", "/api/v1/cluster/reboot", None),
}


class Assistant:
    def __init__(self, base: str, user: str, password: str):
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.base = base.rstrip("/")
        self.headers = {"Content-Type": "application/json", "Authorization": f"Basic {token}"}

    def call(self, tool: str, **args) -> dict:
        method, endpoint, body = TOOLS[tool](args)
        data = json.dumps(body).encode() if body else None
        response = requests.request(method, self.base + endpoint, headers=self.headers, data=data, timeout=300)
        if not response.ok:
            return {"error": f"HTTP {response.status_code}", "detail": response.text}
        return response.json() if response.content else {"result": {"code": 0, "message": ""}}

    def succeeded(self, tool: str, **args) -> dict:
        """The tool's answer, which clpaic reports as Success (code 0)."""
        answer = self.call(tool, **args)
        assert answer.get("result", {}).get("code") == 0, answer
        return answer
