"""Settings for Cluster WebUI, read from the environment with safe defaults.

Every variable is documented in .env.example. With nothing set, the console runs on SQLite under
var/, with a private Redis and the embedded AWS simulation that `manage.py serve` starts.
"""

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WEBUI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use 1 or 0.")


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name) or default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number of seconds.") from None


def env_range(name: str, default: float, low: float, high: float, what: str) -> float:
    """A number within [low, high]; anything else stops the start with one line naming the variable and its range."""
    value = os.environ.get(name) or default
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise ImproperlyConfigured(f"{name}={value!r} is out of range: allowed {low:g} to {high:g} ({what}).")
    return number


def budget_rates(name: str) -> dict[str, tuple[float, float]]:
    """BUCKET=SIZE/REFILL,... for the budget's buckets (webui/awslimits.py names them)."""
    from webui.awslimits import BUCKETS

    found = {}
    for item in filter(None, (part.strip() for part in os.environ.get(name, "").split(","))):
        bucket, _, figures = item.partition("=")
        size, _, refill = figures.partition("/")
        try:
            pair = (float(size), float(refill))
        except ValueError:
            pair = (0.0, 0.0)
        if bucket.strip() not in BUCKETS or not (1 <= pair[0] <= 100000 and 0.01 <= pair[1] <= 10000):
            raise ImproperlyConfigured(
                f"{name}: {item!r} is out of range: allowed BUCKET=SIZE/REFILL, BUCKET one of "
                f"{', '.join(BUCKETS)}, SIZE 1 to 100000 tokens, REFILL 0.01 to 10000 a second."
            )
        found[bucket.strip()] = pair
    return found


def _secret_key() -> str:
    key = os.environ.get("DJANGO_SECRET_KEY")
    if key:
        return key
    # No key given: keep a random one on disk so sessions survive restarts, never a shared default.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

# Behind HTTPS in production: secure cookies, HSTS and redirects (what `check --deploy` asks for).
HTTPS = env_bool("DJANGO_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy: scripts and styles only from this console (htmx and webui.js are served
# from static/; htmx's own indicator <style> is turned off in base.html and lives in webui.css).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "ninja",  # the console's own API: its OpenAPI page's scripts come from static/, not a CDN
    "webui",
    "clusters",
    "resources",
    "monitors",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "webui.limits.ApiLimitsMiddleware",  # both APIs: body size and JSON depth, before anything reads them
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "webui.roles.ReferenceOnlyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# Login throttling (django-axes): after WEBUI_LOGIN_FAILURES wrong passwords for one user name from
# one address, that pair is refused for WEBUI_LOGIN_COOLOFF_MINUTES, the right password included.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("WEBUI_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = env_float("WEBUI_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "login_locked.html"
# Behind a reverse proxy every request comes from the proxy's address: the lock-out keys on the client's, the
# address the proxy (WEBUI_PROXY_COUNT of them in a row) appended to X-Forwarded-For (webui/proxy.py).
WEBUI_PROXY_COUNT = max(1, int(os.environ.get("WEBUI_PROXY_COUNT", "1")))
if env_bool("DJANGO_BEHIND_PROXY", False):
    AXES_CLIENT_IP_CALLABLE = "webui.proxy.client_address"

# Both APIs: a larger body answers 413 (an import's zip has its own limit), deeper JSON 400 (webui/limits.py).
WEBUI_API_MAX_BODY_BYTES = int(env_float("WEBUI_API_MAX_BODY_BYTES", 2.5 * 1024 * 1024))
WEBUI_API_MAX_JSON_DEPTH = int(env_float("WEBUI_API_MAX_JSON_DEPTH", 32))
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2621440, WEBUI_API_MAX_BODY_BYTES)  # Django's default, or the API's if larger

ROOT_URLCONF = "webui.urls"
WSGI_APPLICATION = "webui.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "webui.context.console",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            # WEBUI_SQLITE_PATH lets a test's Celery worker open the test database.
            "NAME": os.environ.get("WEBUI_SQLITE_PATH") or VAR_DIR / "db.sqlite3",
            # The Celery worker writes while the console reads: WAL and a busy timeout avoid
            # "database is locked"; IMMEDIATE takes the write lock up front.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory: the Celery worker and the browser tests share the test database.
            "TEST": {"NAME": VAR_DIR / "test_db.sqlite3"},
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL ({exc}); use e.g. postgres://user:password@host:5432/name "
            "or unset it for the embedded SQLite."
        ) from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured("DATABASE_URL names no known database; use postgres://... or sqlite:///path.")
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TZ_NAME", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the app folders: the console runs without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# The production web server (`manage.py serve`): gunicorn processes x threads each.
WEB_WORKERS = int(os.environ.get("WEBUI_WEB_WORKERS", "2"))
WEB_THREADS = int(os.environ.get("WEBUI_WEB_THREADS", "8"))

# Celery: Redis from REDIS_URL; `manage.py serve` starts a private redis-server when it is unset.
EMBEDDED_REDIS_PORT = int(os.environ.get("WEBUI_EMBEDDED_REDIS_PORT", "6389"))
REDIS_URL = os.environ.get("REDIS_URL", f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True  # the TaskRun row is the result
CELERY_TASK_ALWAYS_EAGER = False  # never eager: it hides real worker bugs
# Monitor resources and server health are watched by beat's tick; each monitor keeps its own interval.
# The tick sends one task per cluster (and one per due monitor), so every worker shares the watching.
WEBUI_TICK_SECONDS = env_float("WEBUI_TICK_SECONDS", 5)
CELERY_BEAT_SCHEDULE = {
    "monitor-resources": {"task": "monitors.tick", "schedule": WEBUI_TICK_SECONDS},
    "reap-runs": {"task": "clusters.reap_runs", "schedule": 10.0},  # orphaned runs fail within a minute
    "failover-drills": {"task": "clusters.start_due_drills", "schedule": 60.0},  # scheduled drills' windows
}
# The drift watch: Check AWS on each applied cluster this often; a finding that appears after Apply, or clears,
# is alerted once (0 turns it off).
WEBUI_DRIFT_WATCH_SECONDS = env_float("WEBUI_DRIFT_WATCH_SECONDS", 300)
if WEBUI_DRIFT_WATCH_SECONDS > 0:
    CELERY_BEAT_SCHEDULE["aws-drift"] = {"task": "clusters.watch_drift", "schedule": WEBUI_DRIFT_WATCH_SECONDS}
# Alert Service: e-mail through this SMTP server; deliveries retry after 10 s, 20 s, 40 s. One delivery (SNS,
# SMTP, a webhook) takes at most WEBUI_ALERT_TIMEOUT, and so does a Test the person who pressed it waits for.
WEBUI_ALERT_TIMEOUT = env_float("WEBUI_ALERT_TIMEOUT", 10)
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("WEBUI_EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("WEBUI_EMAIL_PORT", "25")),
            "username": os.environ.get("WEBUI_EMAIL_USER", ""),
            "password": os.environ.get("WEBUI_EMAIL_PASSWORD", ""),
            "use_tls": env_bool("WEBUI_EMAIL_TLS", False),
            "timeout": WEBUI_ALERT_TIMEOUT,
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("WEBUI_EMAIL_FROM", "cluster-webui@localhost")
WEBUI_ALERT_RETRY_SECONDS = env_float("WEBUI_ALERT_RETRY_SECONDS", 10)


def _networks(name: str) -> list[str]:
    found = [n.strip() for n in os.environ.get(name, "").split(",") if n.strip()]
    try:
        return [str(ipaddress.ip_network(n, strict=False)) for n in found]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}; list networks as 10.0.0.0/16,10.1.0.5/32.") from None


# Webhooks reach public addresses only, and besides them the networks listed here (a chat server inside the
# VPC); an address of the console's own host only when listed one by one (a /32). Never link-local (the
# instance metadata address), multicast or unspecified ones.
WEBUI_ALERT_WEBHOOK_NETWORKS = _networks("WEBUI_ALERT_WEBHOOK_NETWORKS")

# Beat may run on every console host (`celery -A webui worker -B`): celery-redbeat keeps its schedule in
# Redis and lets one scheduler act at a time; a lost scheduler's lock runs out and another takes over.
CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
CELERY_REDBEAT_REDIS_URL = REDIS_URL
CELERY_REDBEAT_KEY_PREFIX = "webui:redbeat"
CELERY_REDBEAT_LOCK_TIMEOUT = int(env_float("WEBUI_SCHEDULER_LOCK_SECONDS", 20))
# The acting scheduler renews its lock at least this often; a waiting one retries as often.
CELERY_BEAT_MAX_LOOP_INTERVAL = max(1, min(5, CELERY_REDBEAT_LOCK_TIMEOUT // 3))
# Leases: a worker watching a cluster (servers, heartbeats) or a monitor holds its lease in Redis; a worker
# killed while it holds one loses it when it runs out, and any surviving worker carries on.
WEBUI_CLUSTER_LEASE_SECONDS = env_float("WEBUI_CLUSTER_LEASE_SECONDS", 30)
WEBUI_MONITOR_LEASE_SLACK_SECONDS = env_float("WEBUI_MONITOR_LEASE_SLACK_SECONDS", 10)
# Node agents (`manage.py node_agent CLUSTER SERVER`) answer on their own queues through this result store.
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = 3600
# What an agent does locally and the console waits for (a script has its own timeout on top of this).
WEBUI_NODE_CALL_SECONDS = env_float("WEBUI_NODE_CALL_SECONDS", 30)
# The address node-local listeners (the LB probe port) bind: the agent's --listen; loopback without an agent.
WEBUI_NODE_LISTEN = os.environ.get("WEBUI_NODE_LISTEN", "127.0.0.1")
# The DNS server a drill's probe asks for an AWS DNS resource's name ("host:port"); empty: the embedded
# simulation's own when it runs, else the system's resolver.
WEBUI_DNS_RESOLVER = os.environ.get("WEBUI_DNS_RESOLVER", "")
# How often an agent writes its server's object storage heartbeat.
WEBUI_HEARTBEAT_INTERVAL = env_float("WEBUI_HEARTBEAT_INTERVAL", 5)
# Runs (clusters/runs/taskruns.py): a worker renews a run's lease while it works; one whose lease ran out
# lost its worker, one no worker took in time was never delivered. Both fail within a minute.
WEBUI_RUN_LEASE_SECONDS = env_float("WEBUI_RUN_LEASE_SECONDS", 30)
WEBUI_RUN_PICKUP_TIMEOUT = env_float("WEBUI_RUN_PICKUP_TIMEOUT", 60)
# Sending a run to the broker: a second try (a pooled connection Redis dropped), then the run fails with "the
# broker was unreachable". A Redis that does not answer costs a few socket timeouts (below): about 6 s in all.
WEBUI_DISPATCH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
# Redis that is there but does not answer (frozen, a half-open connection) fails a command within these
# seconds instead of holding a request or a worker: a run it cannot be sent for fails "the broker was
# unreachable" at once. A sending that times out costs about three of them (WEBUI_DISPATCH_RETRY): keep it short.
WEBUI_REDIS_CONNECT_TIMEOUT = env_float("WEBUI_REDIS_CONNECT_TIMEOUT", 2)
WEBUI_REDIS_SOCKET_TIMEOUT = env_float("WEBUI_REDIS_SOCKET_TIMEOUT", 2)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,  # redelivery of a lost worker's task (idempotent)
    "socket_connect_timeout": WEBUI_REDIS_CONNECT_TIMEOUT,
    "socket_timeout": WEBUI_REDIS_SOCKET_TIMEOUT,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = WEBUI_REDIS_CONNECT_TIMEOUT  # the result store (node agents' answers)
CELERY_REDIS_SOCKET_TIMEOUT = WEBUI_REDIS_SOCKET_TIMEOUT
CELERY_REDBEAT_REDIS_OPTIONS = {
    "socket_connect_timeout": WEBUI_REDIS_CONNECT_TIMEOUT,
    "socket_timeout": WEBUI_REDIS_SOCKET_TIMEOUT,
}
# A server whose object storage heartbeat is older than this is lost (forced stop, then failover).
WEBUI_HEARTBEAT_TIMEOUT = env_float("WEBUI_HEARTBEAT_TIMEOUT", 90)
# EXPRESSCLUSTER's RESTful API: an operation's answer waits for its run's end this long at most, then says it
# was accepted (HTTP 202) with the run to follow.
WEBUI_RESTAPI_WAIT_SECONDS = env_float("WEBUI_RESTAPI_WAIT_SECONDS", 180)

# AWS: boto3's own chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, instance role...) and AWS_ENDPOINT_URL.
AWS_REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-northeast-1"
AWS_ENDPOINT_URL = os.environ.get("AWS_ENDPOINT_URL", "") or None
AWS_CONNECT_TIMEOUT = env_float("WEBUI_AWS_CONNECT_TIMEOUT", 5)
AWS_READ_TIMEOUT = env_float("WEBUI_AWS_READ_TIMEOUT", 20)
# Attempts in all (the first included) for a call that got no answer or an endpoint's 5xx; throttling is waited out
# apart, for up to WEBUI_AWS_THROTTLE_WAIT_SECONDS (a monitor: its Timeout; a pick list or check: the read timeout).
AWS_MAX_ATTEMPTS = int(env_range("WEBUI_AWS_MAX_ATTEMPTS", 5, 1, 20, "attempts"))
AWS_THROTTLE_WAIT_SECONDS = env_range("WEBUI_AWS_THROTTLE_WAIT_SECONDS", 300, 1, 3600, "seconds")
# The account-wide budget of AWS calls (webui/awsbudget.py), in Redis: AWS's published buckets times the share the
# console may use; WEBUI_AWS_BUDGET_RATES sets buckets whose limits AWS raised ("ec2_mutating=100/10,route53=5/5").
AWS_BUDGET = env_bool("WEBUI_AWS_BUDGET", True)
AWS_BUDGET_SHARE = env_range("WEBUI_AWS_BUDGET_SHARE", 1.0, 0.05, 1.0, "a share of AWS's published rates")
AWS_BUDGET_RATES = budget_rates("WEBUI_AWS_BUDGET_RATES")
EMBEDDED_AWS_PORT = int(os.environ.get("WEBUI_EMBEDDED_AWS_PORT", "5055"))
# Where the AWS DNS monitor's Check Name Resolution asks (host[:port]); unset: the embedded simulation's DNS server
# when the console runs it, else the OS's resolver.
DNS_RESOLVER = os.environ.get("WEBUI_DNS_RESOLVER", "")
# How the embedded simulation behaves (AWS's rate buckets, latency, Route 53 propagation; `ideal` turns them
# off): every WEBUI_AWSSIM_* variable, checked against its range by webui/awssim/rules.py when it starts.
AWSSIM = {name: value for name, value in os.environ.items() if name.startswith("WEBUI_AWSSIM_")}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("WEBUI_LOG_LEVEL", "WARNING")},
}
