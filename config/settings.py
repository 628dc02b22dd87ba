"""One settings module, read from the environment (django-environ).

With nothing set it runs self-contained for development: SQLite in var/, email to the
console, Celery on kombu's file-system transport in var/. DATABASE_URL switches to
PostgreSQL (through psycopg's connection pool), REDIS_URL (or CELERY_BROKER_URL) to Redis.

Production is DJANGO_ENV=production (the Docker image sets it) or, as before, DJANGO_DEBUG=false.
It refuses to start with an unsafe value — DEBUG on, the development, a short or a
"django-insecure-" secret key, no or wildcard ALLOWED_HOSTS — naming each one; it turns on
HTTPS-only cookies, HSTS, the SSL redirect behind a proxy that sets X-Forwarded-Proto, and
JSON logs on stdout. S3_BUCKET puts uploads on S3-compatible storage; SENTRY_DSN reports errors.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.logs import FORMATS as LOG_FORMATS
from config.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEV_SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in ("development", "production"):
    raise ImproperlyConfigured(f"DJANGO_ENV 只能是 development 或 production，而不是 “{DJANGO_ENV}”。")
DEBUG = env.bool("DJANGO_DEBUG", default=DJANGO_ENV == "development")
PRODUCTION = DJANGO_ENV == "production" or not DEBUG
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])


def unsafe_production_values() -> list[str]:
    """What would make this process unsafe to serve the public, in Chinese, one line each."""
    problems = []
    if DEBUG:
        problems.append("DJANGO_DEBUG 必须为 false：调试页面会泄露代码、配置和数据。")
    if (
        SECRET_KEY == DEV_SECRET_KEY
        or len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
        or SECRET_KEY.startswith("django-insecure-")
    ):
        problems.append(
            "DJANGO_SECRET_KEY 必须是至少 50 个字符的随机串，不能用开发默认值；"
            "可用 python -c 'import secrets; print(secrets.token_urlsafe(50))' 生成。"
        )
    hosts = env.list("DJANGO_ALLOWED_HOSTS", default=[])
    if not hosts:
        problems.append(
            "DJANGO_ALLOWED_HOSTS 必须列出本系统的域名（逗号分隔），例如 dangjian.example.gov.cn。"
        )
    elif "*" in hosts:
        problems.append("DJANGO_ALLOWED_HOSTS 不能含 *：请列出本系统真实的域名。")
    site_url = env.str("SITE_URL", default="")
    site_host = urlsplit(site_url).hostname if site_url else None
    if not site_host:
        problems.append(
            "SITE_URL 必须是群众和干部打开本系统的地址，例如 https://dangjian.example.gov.cn："
            "测评二维码、验收报告的校验二维码和提醒邮件都链接到它。"
        )
    elif hosts and site_host not in hosts:
        problems.append(f"SITE_URL 的主机名 {site_host} 不在 DJANGO_ALLOWED_HOSTS 中，二维码打开后会被拒绝。")
    return problems


if PRODUCTION and (_problems := unsafe_production_values()):
    raise ImproperlyConfigured(
        "生产环境配置不安全，拒绝启动（DJANGO_ENV=production 或 DJANGO_DEBUG=false）：\n- "
        + "\n- ".join(_problems)
    )

INSTALLED_APPS = [
    "organizations.apps.DataAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "import_export",
    "django_htmx",
    "organizations",
    "campaigns",
    "members",
    "assessments",
    "demo",
]

MIDDLEWARE = [
    # First: probes get their answer before the host check, the SSL redirect and any session.
    "config.health.HealthCheckMiddleware",
    # Compresses what the middleware below produce (the dues page: 190 KB, 9.5 KB gzipped); no
    # proxy in deploy/ compresses. BREACH: CSRF tokens are masked afresh on every response, Django
    # pads each gzip stream with random bytes (HEAL), and the SameSite=Lax session cookie is not
    # sent with the cross-site requests the attack needs. Static files come pre-compressed.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A NUL anywhere in the request is refused (400) before a view passes it to the database.
    "config.guards.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
if DEBUG:
    MIDDLEWARE.append("config.errors.ChineseNotFoundMiddleware")

# Django's built-in CSP: our own scripts and styles only. The admin and treebeard's
# admin templates still carry inline style attributes, hence 'unsafe-inline' for styles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

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
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organizations.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite creates its file but not the folder: `make install` then `migrate` on a fresh checkout.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# PostgreSQL goes through psycopg's pool (one per process): each gunicorn worker and Celery
# child keeps a connection open instead of opening one per request; `check` hands out only
# connections that still answer, so a database restart costs no failed request.
DATABASE_POOL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_POOL", default=True
)
if DATABASE_POOL:
    from psycopg_pool import ConnectionPool

    if DATABASES["default"]["CONN_MAX_AGE"]:
        raise ImproperlyConfigured(
            "DATABASE_CONN_MAX_AGE 不能与连接池同时使用：请去掉它，或设 DATABASE_POOL=false。"
        )
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=4),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        "check": ConnectionPool.check_connection,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organizations.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "campaigns:home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Our own zh-hans strings for the few Django 6.1 has not translated yet (compiled .mo kept in git).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploads go to an S3-compatible bucket (MinIO, a cloud's object storage) when S3_BUCKET is set,
# else to MEDIA_ROOT (the compose file's `media` volume, shared by web and worker). They are
# private either way: every file is served by a view that checks `visible_to(user)`.
S3_BUCKET = env.str("S3_BUCKET", default="")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": S3_BUCKET,
                "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("S3_REGION", default="") or None,
                "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
                "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
                "addressing_style": env.str("S3_ADDRESSING_STYLE", default="") or None,
                "location": env.str("S3_LOCATION", default="media"),
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads (evidence, plans, photos) are capped; the forms say so and check it too.
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Django 6.1 mailers. EMAIL_URL (django-environ syntax, e.g. smtp+tls://user:pass@host:587)
# picks the backend; with nothing set, development prints mail to the console and production
# hands it to the local MTA.
_email = env.email_url("EMAIL_URL", default="smtp://localhost:25" if PRODUCTION else "consolemail://")
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": (
            {
                "host": _email.get("EMAIL_HOST"),
                "port": _email.get("EMAIL_PORT"),
                "username": _email.get("EMAIL_HOST_USER"),
                "password": _email.get("EMAIL_HOST_PASSWORD"),
                "use_tls": _email.get("EMAIL_USE_TLS", False),
                "use_ssl": _email.get("EMAIL_USE_SSL", False),
            }
            if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="示范点管理系统 <noreply@localhost>")
# Where emails link to (reminder digests): the address users open the system at.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# The public ballot, objection and verify pages are rate-limited per client address
# (config/ratelimit.py). Behind reverse proxies, how many of them append to X-Forwarded-For:
# 0 (the default) trusts no header and counts REMOTE_ADDR.
RATELIMIT_TRUSTED_PROXIES = env.int("RATELIMIT_TRUSTED_PROXIES", default=0)

# Celery: Redis when REDIS_URL / CELERY_BROKER_URL is set, else kombu's file-system
# transport in var/ so that `make run` needs no other service.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "celery"
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# None: one worker process per core. Celery logs through LOGGING below (config/celery.py).
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat answers `celery inspect ping` as celerybeat@<host> while its scheduler ticks: its health check.
CELERY_BEAT_ENABLE_REMOTE_CONTROL = True
# Deadline reminders (DESIGN §5), daily at 08:00 in CELERY_TIMEZONE (Asia/Shanghai). The
# Reminder table's unique key makes a second run, or a second beat by mistake, send nothing.
CELERY_BEAT_SCHEDULE = {
    "send-deadline-reminders": {
        "task": "campaigns.tasks.send_deadline_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # 公示: results whose period ended with every objection answered become final.
    "finalize-publicity": {
        "task": "assessments.tasks.finalize_publicity",
        "schedule": crontab(hour=0, minute=30),
    },
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# import-export: imports are all-or-nothing, inside one transaction.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# Security headers; strict ones only where they would not break plain-http development.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    # The reverse proxy in front terminates TLS and must set (overwrite) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "text")
if LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT 只能是 {' 或 '.join(LOG_FORMATS)}，而不是 “{LOG_FORMAT}”。")
LOGGING = logging_config(LOG_FORMAT, env.str("LOG_LEVEL", default="INFO"))

# Errors (requests, Celery tasks, logged errors) go to Sentry when a DSN is set; the SDK turns on
# its Django, Celery and Redis integrations by itself. No personal data is sent.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=DJANGO_ENV),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )
