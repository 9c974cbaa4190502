"""Every clp.conf name we use, in one table, so that a correction is one line.

SEEN: read in real clp.conf files or the vendor's clpcfset/clpcreate sources and docs.
INFERRED: chosen by the same pattern where no real file shows it yet (see ../shared/clpconf.md);
correct it here when a real file shows otherwise.
"""

# --- file-wide ---------------------------------------------------------------------------------
ROOT = "root"  # SEEN
SERVER_OS = "windows"  # SEEN: /root/all/serveros; this console builds Windows clusters as the guide does
# XML encoding and <all><charset>/<encode> by cluster language (SEEN: SJIS for Windows, ASCII/GB2312).
CHARSET_BY_LANGUAGE = {"en": "ASCII", "ja": "SJIS", "zh": "GB2312"}
ENCODE_WINDOWS = "SJIS"  # SEEN: "Windows OS: SJIS"
LANGUAGE_BY_CHARSET = {v: k for k, v in CHARSET_BY_LANGUAGE.items()} | {"EUC-JP": "ja", "SHIFT_JIS": "ja"}

# --- servers and their devices (SEEN: device ids start at these bases) ----------------------------
DEVICE_LAN = ("lan", 0)
DEVICE_MDC = ("mdc", 400)
DEVICE_WITNESS = ("witness", 700)
DEVICE_HTTP = ("http", 10700)
DEVICE_PING = ("ping", 10200)

# --- heartbeats and network partition resolution ------------------------------------------------
HEARTBEAT_SECTION = "heartbeat"  # SEEN
HB_KERNEL_LAN = "lankhb"  # SEEN
HB_USER_LAN = "lanhb"  # SEEN
HB_WITNESS = "witnesshb"  # SEEN
HB_OBJECT_STORAGE = "objstorehb"  # INFERRED: the object storage heartbeat's type name
NP_SECTION = "networkpartition"  # SEEN
NP_HTTP = "httpnp"  # SEEN
NP_PING = "pingnp"  # SEEN

# --- forced stop (INFERRED layout: a section like heartbeat, one object of type "aws") -----------
FORCED_STOP_SECTION = "forcestop"
FORCED_STOP_AWS = "aws"
FORCED_STOP_OBJECT = "forcestop1"
FORCED_STOP_INSTANCE_PATH = "parameters/instanceid"  # per server: server@NAME/parameters/instanceid

# --- groups (SEEN: type, comment, gid, policy@SERVER/order, resource@TYPE@NAME) -------------------
GROUP_TYPE_FAILOVER = "failover"
# Group attributes (INFERRED paths).
GROUP_ATTRIBUTE_PATHS = {
    "startup": "start",  # 1 automatic startup (default), 0 manual
    "failover": "failover/attribute",  # 0 by startup-server priority (default), 1 dynamic, 2 manual
    "failback": "failback",  # 0 manual (default), 1 automatic
}

# --- resources and monitors (SEEN) -------------------------------------------------------------
RESOURCE_SECTION = "resource"
MONITOR_SECTION = "monitor"
TYPES_TAG = "types"
RESOURCE_RECOVERY_PATHS = {  # SEEN: act/retry, act/fo, act/action, deact/retry, deact/action
    "act_retry": "act/retry",
    "act_failover": "act/fo",
    "act_final_action": "act/action",
    "deact_retry": "deact/retry",
    "deact_final_action": "deact/action",
}
MONITOR_COMMON_PATHS = {  # SEEN
    "interval": "polling/interval",
    "timeout": "polling/timeout",
    "retry_count": "polling/reconfirmation",
    "monitor_timing": "polling/timing",  # 0 always, 1 active
    "wait_to_start": "firstmonwait",
    "restart_threshold": "emergency/threshold/restart",
    "failover_threshold": "emergency/threshold/fo",
    "final_action": "emergency/action",
}
MONITOR_TARGET = "target"  # SEEN
RELATION_TYPE = "relation/type"  # SEEN: rsc, grp, cls
RELATION_NAME = "relation/name"  # SEEN: resource or group name, or LocalServer
LOCAL_SERVER = "LocalServer"  # SEEN

# --- scripts in the export zip (SEEN: scripts/GROUP/RESOURCE/... and scripts/monitor.s/MONITOR/...)
SCRIPTS_DIR = "scripts"
MONITOR_SCRIPTS_DIR = "monitor.s"

# Elements whose `@KEY` path segment is an id attribute rather than a name attribute (SEEN).
ID_KEYED_TAGS = frozenset({"device", "grp", "list", "hba", "servers", "netdev"})
