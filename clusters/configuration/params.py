"""Typed parameters of group resource and monitor resource types, and the registry base.

A type module declares its parameters once (the guide's label, the clp.conf path, the product's
default, whether each server may set its own value); forms, validation and the clp.conf mapping
all come from that declaration.
"""

import ipaddress
import pkgutil
import re
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import import_module
from typing import Any

FQDN = re.compile(r"^(?=.{1,254}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+$")


@dataclass(frozen=True)
class Problem:
    """What is wrong, where, and how to fix it."""

    object: str  # e.g. "awsvip1" or "cluster1"
    field: str  # the guide's field name, e.g. "ENI ID"
    message: str
    fix: str = ""
    severity: str = "error"
    server: str = ""  # the server tab, for per-server values
    code: str = ""  # the guide's code, e.g. "53"
    cause: str = ""  # the guide's "Possible cause"
    check: str = ""  # which check found it, e.g. "awsvip.source_dest_check"

    def as_dict(self) -> dict:
        return {
            "check": self.check,
            "severity": self.severity,
            "code": self.code,
            "object": self.object,
            "field": self.field,
            "server": self.server,
            "message": self.message,
            "cause": self.cause,
            "solution": self.fix,
        }

    def __str__(self) -> str:
        where = f"{self.object}: {self.field}" + (f" (server {self.server})" if self.server else "")
        return f"{where}: {self.message}" + (f" {self.fix}" if self.fix else "")


class Change(StrEnum):
    """What changing a setting needs while the cluster runs, least first: Apply performs exactly that."""

    NOTHING = "nothing"  # read when it is next used (a comment, a timeout, a monitor's interval)
    RESTART_RESOURCE = "restart the resource"  # deactivated as it was, activated as it is now, where it runs
    RESTART_GROUP = "stop and start the group"
    SUSPEND_CLUSTER = "suspend and resume the cluster"

    @property
    def rank(self) -> int:
        """How much it needs: more than every change listed before it."""
        return list(Change).index(self)


@dataclass(frozen=True)
class Param:
    name: str  # key in the JSON parameters
    path: str  # clp.conf path below the object element
    label: str  # the guide's wording
    kind: str = "text"  # text, int, bool, choice, ipv4, iplist, fqdn, awsid
    default: Any = None
    required: bool = False
    per_server: bool = False  # may be "Set Up Individually"
    choices: tuple[tuple[str, str], ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    prefix: str = ""  # AWS IDs: "vpc-", "eni-", "eipalloc-", "i-"
    section: str = "Details"
    help: str = ""
    aws_list: str = ""  # the AwsAccount pick list that suggests values, e.g. "network_interfaces"
    hidden: bool = False  # derived from other settings, not typed
    change: Change | None = None  # what changing it needs while the cluster runs; None: its type's `change`
    # What a new object's dialog fills in (and writes out) where the guide asks for other than the product's
    # default (which stays what an absent value means).
    proposed: Any = None

    def to_text(self, value) -> str:
        if self.kind == "bool":
            return "1" if value else "0"
        return "" if value is None else str(value)

    def from_text(self, text: str):
        text = text.strip()
        if self.kind == "bool":
            return text == "1"
        if self.kind == "int":
            try:
                return int(text)
            except ValueError:
                return text  # kept as found; validation names the problem
        return text

    def check(self, value) -> str | None:
        """A message naming what is wrong with `value`, or None."""
        if value in (None, ""):
            return None
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                return f"{value!r} is not a whole number."
            if self.minimum is not None and value < self.minimum:
                return f"{value} is below the minimum {self.minimum}."
            if self.maximum is not None and value > self.maximum:
                return f"{value} is above the maximum {self.maximum}."
        elif self.kind == "choice" and str(value) not in {c for c, _ in self.choices}:
            allowed = ", ".join(f"{c} ({label})" for c, label in self.choices)
            return f"{value!r} is not one of {allowed}."
        elif self.kind in ("ipv4", "iplist"):
            for item in value if isinstance(value, (list, tuple)) else [value]:
                try:
                    ipaddress.IPv4Address(str(item))
                except ValueError:
                    return f"{item!r} is not an IPv4 address such as 10.1.0.20."
        elif self.kind == "fqdn":
            if not str(value).endswith("."):
                return f"{value!r}: Set the DNS name as FQDN, adding dot (.) at the end of the name (e.g. {value}.)."
            if str(value) != str(value).lower():
                return f"{value!r}: Specify the value of {self.label} in lowercase letters ({str(value).lower()})."
            if not FQDN.match(str(value)):
                return f"{value!r} is not a valid DNS name."
        elif self.kind == "awsid" and self.prefix and not str(value).startswith(self.prefix):
            return f"{value!r} does not look like an ID of this kind; it starts with {self.prefix}."
        return None


@dataclass(frozen=True)
class ObjectType:
    """Base of a group resource type or monitor resource type."""

    code: str  # the clp.conf type name, e.g. "awsvip"
    label: str  # the guide's name, e.g. "AWS Virtual IP resource"
    server_os: str = ""  # "windows" or "linux" for a type of one OS (or one OS's variant of a type); "" both
    params: tuple[Param, ...] = ()
    # Parameters each server must have a value of its own for ("must be set up individually").
    distinct_per_server: tuple[str, ...] = ()
    scripts: tuple[str, ...] = ()  # script files the type keeps in the export zip
    # AWS checks about the values typed on the type's own page, refused there (the rest wait for Check AWS).
    form_checks: tuple[str, ...] = ()
    # Acts on the cluster server itself (a script, a service, a port, a local disk): its activate /
    # deactivate / watch run on that server's node agent (clusters/node), not in the console.
    on_server: bool = False
    # What changing a parameter needs while the cluster runs, unless the parameter says otherwise.
    change: Change = Change.RESTART_RESOURCE
    extra: dict = field(default_factory=dict)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.code} has no parameter {name!r}")

    def change_of(self, name: str) -> Change:
        """What changing parameter `name` needs; an unknown one (kept from an imported file) the type's own."""
        found = next((p for p in self.params if p.name == name), None)
        return found.change if found is not None and found.change is not None else self.change

    def describe(self, parameters: dict) -> str:
        """The set values under the guide's labels, e.g. "IP Address: 10.1.0.20; VPC ID: vpc-1"."""
        shown = []
        for p in self.params:
            if p.name in parameters:
                value = parameters[p.name]
                if p.kind == "bool":
                    value = "On" if value else "Off"
                elif p.kind == "choice":
                    value = dict(p.choices).get(str(value), value)
                elif isinstance(value, (list, tuple)):
                    value = ", ".join(map(str, value))
                shown.append(f"{p.label}: {value}")
        return "; ".join(shown)

    def value(self, parameters: dict, name: str, server_values: dict | None = None):
        """The effective value: the server's own, else the common one, else the default."""
        if server_values and name in server_values:
            return server_values[name]
        return parameters.get(name, self.param(name).default)

    def validate(self, name: str, parameters: dict, server_parameters: dict[str, dict]) -> list[Problem]:
        """Checks that need no network. `server_parameters` is keyed by server name."""
        problems = []
        for p in self.params:
            common = parameters.get(p.name, p.default)
            if (msg := p.check(common)) is not None:
                problems.append(Problem(name, p.label, msg, f"Correct {p.label} on the Common tab."))
            for server, values in server_parameters.items():
                if p.name in values and (msg := p.check(values[p.name])) is not None:
                    problems.append(
                        Problem(name, p.label, msg, f"Correct {p.label} on the {server} tab.", server=server)
                    )
            if p.required:
                tabs = server_parameters if p.per_server and server_parameters else {"": {}}
                for server, values in tabs.items():
                    if values.get(p.name, common) in (None, ""):
                        where = f"on the Common tab or the {server} tab" if server else "on the Common tab"
                        problems.append(
                            Problem(name, p.label, "is required.", f"Enter {p.label} {where}.", server=server)
                        )
        for pname in self.distinct_per_server:
            p = self.param(pname)
            seen: dict = {}
            for server, values in server_parameters.items():
                seen.setdefault(values.get(pname, parameters.get(pname)), []).append(server)
            for value, servers in seen.items():
                if value not in (None, "") and len(servers) > 1:
                    problems.append(
                        Problem(
                            name,
                            p.label,
                            f"servers {', '.join(servers)} share {value}; each server needs its own.",
                            f"Select Set Up Individually on each server's tab and enter that server's {p.label}.",
                        )
                    )
        return problems + self.check(name, parameters, server_parameters)

    def check(self, name: str, parameters: dict, server_parameters: dict[str, dict]) -> list[Problem]:
        """Type-specific rules; a type module overrides this."""
        return []

    def check_in(self, obj, config) -> list[Problem]:
        """Rules between this object (a configuration.config.TypedObject) and the rest of its Config; types override."""
        return []

    def check_aws(self, obj, ctx) -> list[Problem]:
        """Rules that read the AWS account; a type module overrides this.

        `obj` is the object's clusters.configuration.config.TypedObject (its values, `value()` and `problem()`), `ctx` a
        clusters.aws.checks.CheckContext (the AWS account and the Config).
        """
        return []

    def iam_statements(self, obj, ctx) -> list[dict]:
        """The IAM policy statements this object needs on the servers; a type module overrides this."""
        return []

    def derive(self, parameters: dict, config) -> dict:
        """Fill hidden parameters from the rest of the configuration (e.g. a mirror disk's MDC device)."""
        return parameters


class Registry(dict):
    """Type code -> type, filled by importing every module of a `types` package.

    A module declares `TYPE`, or `TYPES` where a type differs by server OS (the mirror disk's
    Windows drive letters and Linux device paths) or each OS has its own code (`script` on
    Windows, `exec` on Linux). `self[code]` is the first declared; `get_type(code, server_os)`
    picks the OS's own variant where there is one.
    """

    def __init__(self, package: str, kind: str):
        super().__init__()
        self.package = package
        self.kind = kind
        self.loaded = False
        self.variants: dict[tuple[str, str], ObjectType] = {}
        self._filling = threading.Lock()
        self._filler: int | None = None

    def load(self) -> "Registry":
        # Worker and web threads reach this at once in a fresh process: one fills the registry while the
        # others wait; none may see it half filled (an awsvip resource read as a type this console lacks).
        if self.loaded or self._filler == threading.get_ident():  # (a type module asking while it is imported)
            return self
        with self._filling:
            if not self.loaded:
                self._filler = threading.get_ident()
                try:
                    pkg = import_module(self.package)
                    for info in pkgutil.iter_modules(pkg.__path__):
                        module = import_module(f"{self.package}.{info.name}")
                        for spec in getattr(module, "TYPES", None) or (module.TYPE,):
                            self.variants[(spec.code, spec.server_os)] = spec
                            self.setdefault(spec.code, spec)
                    self.loaded = True
                finally:
                    self._filler = None
        return self

    def get_type(self, code: str, server_os: str = ""):
        self.load()
        try:
            return self.variants.get((code, server_os)) or self[code]
        except KeyError:
            raise KeyError(f"Unknown {self.kind} type {code!r}; known: {', '.join(sorted(self))}.") from None

    def choices(self, server_os: str = "") -> list[tuple[str, str]]:
        """The types a cluster of `server_os` offers, by label."""
        self.load()
        offered = {
            code: self.get_type(code, server_os).label
            for (code, os_name) in self.variants
            if not server_os or os_name in ("", server_os)
        }
        return sorted(offered.items(), key=lambda c: c[1])
