"""Every clp.conf name we use, in one table, so that a correction is one line.

Each name says where it comes from:
SEEN (source): read in a real file of ../shared/corpus/clpconf (named by its file there), or in the
    vendor's public tools and docs: "clpcfset doc" (EXPRESSCLUSTER/clpcfset doc/linux/*.md),
    "clpcreate v2 sample" (EXPRESSCLUSTER/CreateClusterOnLinux template_scripts/clpcreate_v2/*.pl).
INFERRED: chosen by the same pattern where no real file or vendor source shows it yet; correct it here
    when one does. The type names and paths of the AWS types live in their modules (resources/types,
    monitors/types), marked the same way.
"""

# --- file-wide ---------------------------------------------------------------------------------
ROOT = "root"  # SEEN (every corpus file)
SERVER_OS = "windows"  # SEEN (/root/all/serveros in every corpus file); the guide's servers are Windows
# <all><charset>/<encode> by language. SEEN: ASCII (basiccluster-x41), SJIS (createcluster-conf-dll),
# EUC-JP (clpcfdiff-current); GB2312 SEEN in the clpcreate v2 samples' comments.
CHARSET_BY_LANGUAGE = {"en": "ASCII", "ja": "SJIS", "zh": "GB2312"}
ENCODE_WINDOWS = "SJIS"  # SEEN (<encode>SJIS in the Windows and Linux product files)
LANGUAGE_BY_CHARSET = {v: k for k, v in CHARSET_BY_LANGUAGE.items()} | {"EUC-JP": "ja", "SHIFT_JIS": "ja"}  # SEEN

# --- servers and their devices: (type, first id) ------------------------------------------------
DEVICE_LAN = ("lan", 0)  # SEEN (every corpus file)
DEVICE_MDC = ("mdc", 400)  # SEEN (basiccluster-x41: 400, 401)
DEVICE_WITNESS = ("witness", 700)  # SEEN (clpcreate v2 sample: witness 700, info 1, extend host:port)
DEVICE_HTTP = ("http", 10700)  # SEEN (clpcreate v2 sample: http 10700, info 1)
DEVICE_PING = ("ping", 10200)  # SEEN (createclusteronlinux-src-lin-sd: ping 10200, info 1)

# --- heartbeats and network partition resolution ------------------------------------------------
HEARTBEAT_SECTION = "heartbeat"  # SEEN (every corpus file)
HB_KERNEL_LAN = "lankhb"  # SEEN (every corpus file)
HB_USER_LAN = "lanhb"  # SEEN (createclusteronlinux-src-lin-bmchb)
HB_WITNESS = "witnesshb"  # SEEN (clpcreate v2 sample: clpcfset add hb witnesshb 700 ...)
HB_OBJECT_STORAGE = "objstorehb"  # INFERRED: no public file or tool shows the object storage heartbeat
NP_SECTION = "networkpartition"  # SEEN (clpcfdiff-current writes it even empty)
NP_HTTP = "httpnp"  # SEEN (clpcreate v2 sample: clpcfset add np httpnp 10700 ...)
NP_PING = "pingnp"  # SEEN (createclusteronlinux-src-lin-sd)

# --- forced stop: INFERRED layout (a section like heartbeat, one object of type "aws") ------------
FORCED_STOP_SECTION = "forcestop"  # INFERRED
FORCED_STOP_AWS = "aws"  # INFERRED
FORCED_STOP_OBJECT = "forcestop1"  # INFERRED
FORCED_STOP_INSTANCE_PATH = "parameters/instanceid"  # INFERRED: per server, server@NAME/parameters/instanceid

# --- groups: SEEN type, comment, gid, policy@SERVER/order, resource@TYPE@NAME (corpus) ------------
GROUP_TYPE_FAILOVER = "failover"  # SEEN (createclusteronlinux-v2-template: failover, virtualmachine, cluster)
# Group attributes: INFERRED paths. The vendor's clpcfset documentation is reported to give the
# failover attribute as `failover` (0 manual, 1 automatic); no real file states any of these yet.
GROUP_ATTRIBUTE_PATHS = {
    "startup": "start",  # INFERRED: 1 automatic startup (default), 0 manual
    "failover": "failover/attribute",  # INFERRED: 0 by startup-server priority (default), 1 dynamic, 2 manual
    "failback": "failback",  # INFERRED: 0 manual (default), 1 automatic
}

# --- resources and monitors ---------------------------------------------------------------------
RESOURCE_SECTION = "resource"  # SEEN (corpus)
MONITOR_SECTION = "monitor"  # SEEN (corpus)
TYPES_TAG = "types"  # SEEN (corpus)
RESOURCE_RECOVERY_PATHS = {
    "act_retry": "act/retry",  # SEEN (clpcfset doc resource.md)
    "act_failover": "act/fo",  # INFERRED (as emergency/threshold/fo of monitors)
    "act_final_action": "act/action",  # SEEN (clpcfdiff-current: exec1 act/action)
    "deact_retry": "deact/retry",  # INFERRED (as act/retry)
    "deact_final_action": "deact/action",  # INFERRED (as act/action)
}
MONITOR_COMMON_PATHS = {
    "interval": "polling/interval",  # SEEN (clpcfdiff-current genw)
    "timeout": "polling/timeout",  # INFERRED (beside polling/interval)
    "retry_count": "polling/reconfirmation",  # INFERRED
    "monitor_timing": "polling/timing",  # INFERRED: 0 always, 1 active
    "wait_to_start": "firstmonwait",  # INFERRED
    "restart_threshold": "emergency/threshold/restart",  # SEEN (clpcfdiff-current genw)
    "failover_threshold": "emergency/threshold/fo",  # SEEN (clpcfset doc awsazw.md)
    "final_action": "emergency/action",  # INFERRED (as act/action)
}
MONITOR_TARGET = "target"  # SEEN (corpus; empty <target/> where a monitor has none)
RELATION_TYPE = "relation/type"  # SEEN (corpus): rsc, grp, cls
RELATION_NAME = "relation/name"  # SEEN (corpus): resource or group name, or LocalServer
LOCAL_SERVER = "LocalServer"  # SEEN (corpus)

# --- scripts in the export zip: SEEN scripts/GROUP/RESOURCE/... and scripts/monitor.s/MONITOR/...
# (CreateClusterOnLinux doc/jp/CommandUsage_v2_*: "クラスタ用スクリプトの配置")
SCRIPTS_DIR = "scripts"  # SEEN
MONITOR_SCRIPTS_DIR = "monitor.s"  # SEEN

# Elements whose `@KEY` path segment is an id attribute rather than a name attribute.
ID_KEYED_TAGS = frozenset({"device", "grp", "list", "hba", "servers", "netdev"})  # SEEN (corpus)
