"""How the embedded AWS simulation behaves: AWS's published figures (webui/awslimits.py, one table with AWS's
pages named), each one a setting.

Every figure is read from a `WEBUI_AWSSIM_*` variable (listed in .env.example); a value out of its range
stops the start with one line naming the variable and its range.
"""

from dataclasses import dataclass, field, replace

from webui.awslimits import BUCKETS, PER_ACTION, bucket_of

__all__ = ["BUCKETS", "PER_ACTION", "bucket_of"]  # the layer takes them from here with the rules


# Milliseconds a call takes (uniformly LOW to HIGH), in the order AWS's take: EC2 changes 100-300 ms,
# describes about 50 ms, Route 53 about 100 ms, the others (S3, STS, IAM, ELB) tens of ms.
LATENCY_MS = {"mutating": (100.0, 300.0), "describe": (40.0, 60.0), "route53": (50.0, 150.0), "other": (10.0, 40.0)}


@dataclass(frozen=True)
class Setting:
    name: str  # the environment variable
    low: float
    high: float
    what: str
    kind: type = float


@dataclass(frozen=True)
class Rules:
    """What the running simulation does; `ideal` turns throttling, latency and propagation off."""

    mode: str = "aws"
    buckets: dict = field(default_factory=lambda: {name: (row[0], row[1]) for name, row in BUCKETS.items()})
    insync_seconds: float = 30.0  # Route 53 PENDING -> INSYNC ("generally within 60 seconds")
    # Milliseconds per call of each kind (LATENCY_MS), times latency_scale.
    latency_ms: dict = field(default_factory=lambda: dict(LATENCY_MS))
    latency_scale: float = 1.0
    dns_port: int = 0  # 0: a free port, written to the IDs file

    @property
    def ideal(self) -> bool:
        return self.mode == "ideal"

    def with_(self, **changes) -> "Rules":
        return replace(self, **changes)


# The tests' rules: AWS-like in every way, with the waits short (INSYNC after 1 s, calls a twentieth as long).
QUICK_WAITS = {"WEBUI_AWSSIM_INSYNC_SECONDS": "1", "WEBUI_AWSSIM_LATENCY_SCALE": "0.05"}


class SettingError(ValueError):
    """A simulation setting out of its range: one line naming it and what it allows."""


PREFIX = "WEBUI_AWSSIM_"


def _settings() -> dict[str, Setting]:
    table = {
        "MODE": Setting(PREFIX + "MODE", 0, 0, "aws or ideal", str),
        "INSYNC_SECONDS": Setting(PREFIX + "INSYNC_SECONDS", 0, 600, "seconds"),
        "LATENCY_SCALE": Setting(PREFIX + "LATENCY_SCALE", 0, 10, "a factor"),
        "DNS_PORT": Setting(PREFIX + "DNS_PORT", 0, 65535, "a port (0: a free one)", int),
    }
    for name in BUCKETS:
        key = name.upper()
        table[f"{key}_SIZE"] = Setting(f"{PREFIX}{key}_SIZE", 1, 100000, "tokens", int)
        table[f"{key}_REFILL"] = Setting(f"{PREFIX}{key}_REFILL", 0.01, 10000, "tokens a second")
    for kind in Rules().latency_ms:
        table[f"LATENCY_{kind.upper()}_MS"] = Setting(
            f"{PREFIX}LATENCY_{kind.upper()}_MS", 0, 60000, "milliseconds, N or LOW-HIGH", str
        )
    return table


SETTINGS = _settings()


def _number(setting: Setting, raw: str) -> float:
    allowed = f"{setting.name}={raw!r} is out of range: allowed {setting.low:g} to {setting.high:g} ({setting.what})."
    try:
        value = setting.kind(raw) if setting.kind is int else float(raw)
    except ValueError:
        raise SettingError(allowed) from None
    if not setting.low <= value <= setting.high:
        raise SettingError(allowed)
    return value


def _latency(setting: Setting, raw: str) -> tuple[float, float]:
    parts = str(raw).split("-", 1)
    bad = SettingError(
        f"{setting.name}={raw!r} is out of range: allowed N or LOW-HIGH, each 0 to 60000 milliseconds, LOW <= HIGH."
    )
    try:
        low, high = float(parts[0]), float(parts[-1])
    except ValueError:
        raise bad from None
    if not 0 <= low <= high <= 60000:
        raise bad
    return low, high


def load(values: dict, base: Rules | None = None) -> Rules:
    """The rules from `values` (variable name -> text; names without the prefix also work), on top of `base`."""
    rules = base or Rules()
    buckets, latency, changes = dict(rules.buckets), dict(rules.latency_ms), {}
    by_name = {s.name: key for key, s in SETTINGS.items()}
    for name, raw in values.items():
        if raw is None or str(raw).strip() == "":
            continue
        key = by_name.get(name) or (name.upper() if name.upper() in SETTINGS else None)
        if key is None:
            known = ", ".join(sorted(SETTINGS))
            raise SettingError(f"{name} is not a setting of the AWS simulation; known: {PREFIX}{{{known}}}.")
        setting, raw = SETTINGS[key], str(raw).strip()
        if key == "MODE":
            if raw not in ("aws", "ideal"):
                raise SettingError(f"{setting.name}={raw!r} is out of range: allowed aws or ideal.")
            changes["mode"] = raw
        elif key.startswith("LATENCY_") and key.endswith("_MS"):
            latency[key[len("LATENCY_") : -len("_MS")].lower()] = _latency(setting, raw)
        elif key.endswith(("_SIZE", "_REFILL")):
            bucket, part = key.rsplit("_", 1)
            size, refill = buckets[bucket.lower()]
            value = _number(setting, raw)
            buckets[bucket.lower()] = (int(value), refill) if part == "SIZE" else (size, value)
        elif key == "INSYNC_SECONDS":
            changes["insync_seconds"] = _number(setting, raw)
        elif key == "LATENCY_SCALE":
            changes["latency_scale"] = _number(setting, raw)
        elif key == "DNS_PORT":
            changes["dns_port"] = int(_number(setting, raw))
    return rules.with_(buckets=buckets, latency_ms=latency, **changes)


def latency_kind(service: str, action: str) -> str:
    if service == "route53":
        return "route53"
    if service == "ec2":
        return "describe" if action.startswith("Describe") else "mutating"
    return "other"
