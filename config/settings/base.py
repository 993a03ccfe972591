"""Settings shared by every environment; the others start from here and change only what differs."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# Read pages are public unless an operator closes them.
TIENDO_PUBLIC = env.bool("TIENDO_PUBLIC", default=True)
# Figures older than this are flagged as stale on the pages.
TIENDO_STALE_AFTER = timedelta(hours=env.int("TIENDO_STALE_AFTER_HOURS", default=26))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "config.apps.AxesConfig",  # django-axes, named in the admin (config/apps.py)
    "csp",
    "projects",
    "metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "projects.middleware.RefuseNulInQueryMiddleware",
    "projects.notices.NoticesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "metrics.memo.RequestMemoMiddleware",
    "metrics.page_cache.PageCacheMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "projects.context_processors.language_links",
                "projects.context_processors.nav_access",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: a page's queries take milliseconds, and a misestimated one (an OR of subqueries,
    # a correlated EXISTS) crossed jit_above_cost and spent 16 ms compiling to run in 3 (the unit page's
    # lineage at scale 1). The full recompute's aggregate is as fast without it (README, Benchmarks).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# The review queue's partial indexes include columns so that PostgreSQL answers its counts from the index
# alone (projects.models.reports); SQLite, the embedded default, builds them without those columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered pages and API answers (metrics.page_cache): Redis when DJANGO_CACHE_URL (or REDIS_URL) names
# one, so that every web process shares them; otherwise each process keeps its own in memory. Either is
# correct: a page's key carries the data's generation, read from the database.
_CACHE_URL = env("DJANGO_CACHE_URL", default="") or env("REDIS_URL", default="")
if _CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}}
elif _CACHE_URL:
    CACHES = {"default": env.cache_url_config(_CACHE_URL)}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tiendo",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }
# A trivial view at /bench/trivial, for `make bench` only (metrics.loadbench).
TIENDO_BENCH_TRIVIAL = env.bool("TIENDO_BENCH_TRIVIAL", default=False)
# The cache aliases of whole pages (metrics.page_cache) and of figures counted on demand (metrics.figure_cache).
TIENDO_PAGE_CACHE = "default"
TIENDO_FIGURE_CACHE = "default"
TIENDO_PAGE_CACHE_SECONDS = env.int("TIENDO_PAGE_CACHE_SECONDS", default=60 * 60)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# A signed-in user lands on the brief of what they follow (the summary when they follow nothing).
LOGIN_REDIRECT_URL = "metrics:home"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login throttling: five failures for one user from one address lock that pair out for a quarter of an hour
# (never the user alone: an outsider could then lock anyone out).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a reverse proxy every request comes from its address: the client's is read from
# X-Forwarded-For, believed only from these proxies (addresses or networks, comma-separated).
TIENDO_TRUSTED_PROXIES = env.list("TIENDO_TRUSTED_PROXIES", default=[])
AXES_CLIENT_IP_CALLABLE = "projects.client_ip.client_ip"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
# Evidence and import files: never under MEDIA_ROOT, served only through views that check access.
TIENDO_PRIVATE_MEDIA_ROOT = env.path("DJANGO_PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private")
TIENDO_EVIDENCE_MAX_BYTES = env.int("TIENDO_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
TIENDO_IMPORT_MAX_BYTES = env.int("TIENDO_IMPORT_MAX_BYTES", default=40 * 1024 * 1024)
# A table's CSV/XLSX download is built in memory: larger ones are refused with a request to narrow the filters.
TIENDO_EXPORT_MAX_ROWS = env.int("TIENDO_EXPORT_MAX_ROWS", default=100_000)
# Which importer reads each kind of file on /imports/ (projects never imports metrics, so it is named here).
TIENDO_IMPORTERS = {
    "reports": "projects.imports.ReportImporter",
    "observations": "metrics.imports.ObservationImporter",
}
# What measures a goal (its indicator against the target), shown beside an assessment of the goal.
TIENDO_GOAL_MEASURE = "metrics.goal_measures.goal_measure"
# Whether a user follows a brief (sign-in lands on it), and the API's wording of a refused parameter.
TIENDO_FOLLOWS_ANYTHING = "metrics.subscriptions.follows_anything"
TIENDO_API_PARAMETER_MESSAGE = "metrics.api.errors.parameter_message"
# Files over the largest upload limit are counted but not written to disk beyond it (projects.uploads).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "projects.uploads.BoundedTemporaryFileUploadHandler",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Strict policy: no inline script or style anywhere; charts are drawn by one static script from JSON islands.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True

EMAIL_CONFIG = env.email_url("DJANGO_EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Tiến độ <no-reply@tiendo.gov.vn>")
# The site's address, for links in emails (reminders), such as https://tiendo.example.gov.vn
TIENDO_BASE_URL = env("TIENDO_BASE_URL", default="").rstrip("/")

# An empty broker means eager execution: jobs run in-process, on commit, as they would on a worker.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers a task not acknowledged within this many seconds: a worker killed mid-run has its
# task run again five minutes later, not an hour. A task still running then is delivered a second
# time too: tasks are idempotent and the long ones single-flight (metrics.tasks, projects.locks), so
# the second delivery leaves at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    # How often a worker looks for such tasks: every interval × throttle seconds.
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=6),
}
# Sending a task to a broker that is down fails fast (the write that sent it is already committed).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE = {
    # Statuses change with the date (a deadline passes), so every rollup is recomputed each night.
    "rollups-recompute-nightly": {
        "task": "metrics.tasks.rollups_recompute_all",
        "schedule": crontab(hour=0, minute=10),
    },
    # Stored history days that a backdated change flagged stale, a few at a time (metrics.tasks).
    "rollups-recompute-stale": {
        "task": "metrics.tasks.rollups_recompute_stale",
        "schedule": 10 * 60.0,
    },
    # The weekly history's days not stored yet, a few at a time, so that any past day reads fast (metrics.tasks).
    "rollups-fill-history": {
        "task": "metrics.tasks.rollups_fill_history",
        "schedule": 10 * 60.0,
    },
    # A safety net: refreshes whose enqueued flush was lost (broker restart) are picked up within a minute.
    "rollups-flush-pending": {
        "task": "metrics.tasks.rollups_flush_pending",
        "schedule": 60.0,
    },
    # Imports that could not be queued (broker down) or were lost on the way are queued again.
    "import-jobs-requeue": {
        "task": "projects.tasks.import_jobs_requeue",
        "schedule": 60.0,
    },
    # Evidence files kept for a report form that was never submitted again (a kept file lives a day).
    "pending-evidence-expire": {
        "task": "projects.tasks.pending_evidence_expire",
        "schedule": crontab(minute=30),
    },
    # Reporters hear each morning about assignments due within 7 days and those overdue.
    "report-reminders-daily": {
        "task": "projects.tasks.report_reminders_send",
        "schedule": crontab(hour=7, minute=0),
    },
    # Users who opted in get the briefs they follow each Monday morning (metrics.digest: once a week).
    "digests-weekly": {
        "task": "metrics.tasks.digests_send_weekly",
        "schedule": crontab(day_of_week=1, hour=7, minute=30),
    },
}
# Changes within this many seconds of each other are refreshed together.
TIENDO_ROLLUP_COALESCE_SECONDS = env.float("TIENDO_ROLLUP_COALESCE_SECONDS", default=0.2)

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="WARNING")},
}
