"""Settings for the strategy tracker, read from the environment.

With no environment at all the app runs the embedded default: SQLite, Celery tasks in-process,
e-mail to the console. `.env.example` lists every variable.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "embedded-development-key-not-for-production"  # noqa: S105 - only with DEBUG on  # nosec B105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "testserver"}
if DEBUG and set(ALLOWED_HOSTS) - LOCAL_HOSTS:
    # Debug pages show settings and code: never on an address others can reach.
    raise ImproperlyConfigured(
        "DEBUG is on with a public host in ALLOWED_HOSTS; set DEBUG=false in production."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_NAME = env_str("SITE_NAME", "Strategitrackeren")
MUNICIPALITY_NAME = env_str("MUNICIPALITY_NAME", "Mariagerfjord Kommune")

INSTALLED_APPS = [
    # First, so that its createsuperuser (for a municipality) is the one manage.py runs.
    "institutions",
    "strategy_tracker.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.microsoft",
    "allauth.socialaccount.providers.saml",
    "simple_history",
    "template_partials",
    "strategy_tracker",
    "institutions.unilogin",
    "goals",
    "actions",
    "reports",
    "administration",
    "devtools",
]

MIDDLEWARE = [
    "strategy_tracker.middleware.health_check",
    "django.middleware.security.SecurityMiddleware",
    "strategy_tracker.middleware.refuse_control_characters",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "strategy_tracker.middleware.choose_municipality",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "strategy_tracker.middleware.SessionRenewalMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "strategy_tracker.urls"
WSGI_APPLICATION = "strategy_tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "strategy_tracker.context_processors.site",
            ],
        },
    },
]
# Selects written in Python, the same markup without a template per option (core/forms.py).
FORM_RENDERER = "core.forms.QuickSelectRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer is given up on, so a web worker answers "try again in a
    # little while" instead of hanging; gunicorn's --timeout (docker-compose.yml) is above both.
    # The statement limit is off unless set (long-running commands and workers need none).
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DATABASE_CONNECT_TIMEOUT", 5
    )
    # An open connection whose host has gone (sent data unacknowledged for 15 s) is closed,
    # so the request ends with "try again" too (Linux; libpq's tcp_user_timeout, in ms).
    DATABASES["default"]["OPTIONS"]["tcp_user_timeout"] = 15_000
    if statement_timeout := env_int("DATABASE_STATEMENT_TIMEOUT", 0):
        DATABASES["default"]["OPTIONS"]["options"] = f"-c statement_timeout={statement_timeout}s"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "institutions.User"
# Django's and allauth's backends for a municipality's people, and the platform's operators
# (on PLATFORM_HOST only): institutions/backends.py.
AUTHENTICATION_BACKENDS = [
    "institutions.backends.PeopleBackend",
    "institutions.backends.PeopleAccountBackend",
    "institutions.backends.OperatorBackend",
]
# The host name of the platform's own pages, where operators create municipalities and see the
# platform's health (strategy_tracker.platform_urls); none by default. It answers for no
# municipality, so it must not be one's host name.
PLATFORM_HOST = env_str("PLATFORM_HOST").lower()
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
# People are invited by consultants; nobody signs up on their own (see AccountAdapter).
ACCOUNT_ADAPTER = "institutions.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Changing e-mail, password or two-factor settings asks for the password again if it was typed
# (at sign-in or to re-confirm) more than ACCOUNT_REAUTHENTICATION_TIMEOUT seconds ago
# (institutions.adapters.AccountAdapter.is_reauthentication_required).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Sign-in limits (README, "Sign-in limits, without locking anyone else out"). Wrong passwords
# make that address wait, longer each time (institutions.adapters); two-factor codes have a
# limit of their own per person (allauth's "login_failed", which passwords no longer count
# towards). Limits per client address only where the address is the client's: behind a proxy
# that is not declared, everyone shares the proxy's address, and one person's guesses would
# lock out the whole municipality.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER") or None
CLIENT_ADDRESS_KNOWN = env_bool(
    "CLIENT_ADDRESS_KNOWN",
    bool(ALLAUTH_TRUSTED_PROXY_COUNT or ALLAUTH_TRUSTED_CLIENT_IP_HEADER),
)
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/key",
    "sign_in_address": "30/m/ip" if CLIENT_ADDRESS_KNOWN else "",
    "login": "30/m/ip" if CLIENT_ADDRESS_KNOWN else "",
    "reset_password": "20/m/ip,5/m/key" if CLIENT_ADDRESS_KNOWN else "5/m/key",
    "reset_password_from_key": "20/m/ip" if CLIENT_ADDRESS_KNOWN else "",
    "request_login_code": "20/m/ip,3/m/key" if CLIENT_ADDRESS_KNOWN else "3/m/key",
}
# Single sign-on, switched on by configuration alone; only people who already have an account
# may use it, and only from the municipality's own tenant / domains (see SocialAccountAdapter).
SOCIALACCOUNT_ADAPTER = "institutions.adapters.SocialAccountAdapter"
SOCIALACCOUNT_LOGIN_ON_GET = False
SSO_ALLOWED_DOMAINS = [domain.lower() for domain in env_list("SSO_ALLOWED_DOMAINS")]
SOCIALACCOUNT_PROVIDERS = {}
if env_str("SSO_MICROSOFT_CLIENT_ID"):
    SSO_MICROSOFT_TENANT = env_str("SSO_MICROSOFT_TENANT")
    if SSO_MICROSOFT_TENANT in {"", "common", "organizations", "consumers"}:
        raise ImproperlyConfigured("SSO_MICROSOFT_TENANT must be the municipality's tenant id.")
    SOCIALACCOUNT_PROVIDERS["microsoft"] = {
        "APPS": [
            {
                "client_id": env_str("SSO_MICROSOFT_CLIENT_ID"),
                "secret": env_str("SSO_MICROSOFT_SECRET"),
                "settings": {"tenant": SSO_MICROSOFT_TENANT},
            }
        ]
    }
if env_str("SSO_GOOGLE_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [
            {"client_id": env_str("SSO_GOOGLE_CLIENT_ID"), "secret": env_str("SSO_GOOGLE_SECRET")}
        ],
        "SCOPE": ["openid", "email", "profile"],
        "AUTH_PARAMS": {"hd": SSO_ALLOWED_DOMAINS[0] if SSO_ALLOWED_DOMAINS else ""},
    }
# KOMBIT's Context Handler (SAML) and Unilogin (OpenID Connect) are configured by consultants in
# the browser (institutions.sign_in); the key and OCES3 certificate this service signs its SAML
# requests with and decrypts assertions by are the operator's, as PEM files.
SAML_SP_CERTIFICATE_FILE = env_str("SAML_SP_CERTIFICATE_FILE")
SAML_SP_PRIVATE_KEY_FILE = env_str("SAML_SP_PRIVATE_KEY_FILE")
if SOCIALACCOUNT_PROVIDERS and not SSO_ALLOWED_DOMAINS:
    raise ImproperlyConfigured("SSO_ALLOWED_DOMAINS must list the municipality's e-mail domains.")

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Strategitrackeren")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end packages installed by npm, served as they are published.
    ("dkfds", BASE_DIR / "node_modules" / "dkfds" / "dist"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

S3_BUCKET = env_str("S3_BUCKET")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID"),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            # Give up on an unreachable Redis at once rather than hold the request.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Every key carries the municipality acted for, so no municipality is served another's parts.
CACHES["default"]["KEY_FUNCTION"] = "core.tenancy.cache_key"

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A report task is stopped after this long (soft: a clean error; hard: the process is killed).
REPORT_TIME_LIMIT = env_int("REPORT_TIME_LIMIT", 600)
REPORT_SOFT_TIME_LIMIT = REPORT_TIME_LIMIT - max(10, REPORT_TIME_LIMIT // 10)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # An unacknowledged task goes back to the queue after this; above the hard time limit so
    # a running report is not handed to a second worker, yet a killed worker's report returns.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", REPORT_TIME_LIMIT + 60),
    # Look for such tasks every ten seconds rather than every hundred.
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
}
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= REPORT_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be above REPORT_TIME_LIMIT.")
# A running report whose worker has not renewed its heartbeat for this long is taken to have
# died: beat's requeue (every minute) sends it again, and another worker may claim it.
REPORT_STALE_SECONDS = env_int("REPORT_STALE_SECONDS", 60)
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= REPORT_STALE_SECONDS:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be above REPORT_STALE_SECONDS.")
# While the database is away a report task waits this many seconds and tries again, this many times.
REPORT_DATABASE_RETRY_SECONDS = env_int("REPORT_DATABASE_RETRY_SECONDS", 30)
REPORT_DATABASE_RETRIES = env_int("REPORT_DATABASE_RETRIES", 12)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "reports-requeue": {"task": "reports.tasks.reports_requeue_task", "schedule": 60.0},
    "reminders": {"task": "actions.tasks.reminders_send_task", "schedule": 6 * 60 * 60.0},
    "imports-discard-expired": {
        "task": "administration.tasks.imports_discard_expired_task",
        "schedule": 600.0,
    },
    # Yesterday's tallies written, ready before the first dashboard of the day.
    "days-close": {
        "task": "reports.tasks.days_close_task",
        "schedule": crontab(hour=0, minute=5),
    },
}
# Spreadsheet imports: the largest file and the most rows we read.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 10_000)
# The longest cell an import reads, in characters (the longest text a form takes).
IMPORT_MAX_CELL = env_int("IMPORT_MAX_CELL", 10_000)
# An upload waits this long for its confirmation; then it is deleted, confirmed or not.
IMPORT_KEEP_SECONDS = env_int("IMPORT_KEEP_SECONDS", 3600)
# Where links in e-mails point; leaders are reminded after this many months without an update.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
REMINDER_QUIET_MONTHS = env_int("REMINDER_QUIET_MONTHS", 3)

EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "strategi@localhost")

# Sessions are read from the cache and kept in the database too, so a request costs no query
# for its session and nobody is signed out when the cache is emptied or unreachable.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Idle timeout: requests renew the session, so it ends after this long without one. The
# renewal is written at most once per SESSION_RENEW_AFTER seconds, not on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT", 60 * 60)
SESSION_RENEW_AFTER = env_int("SESSION_RENEW_AFTER", 60)
# However active, a session ends this long after signing in.
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60)
# How a deactivated person is shown in history: their name, or "Tidligere bruger".
DEACTIVATED_PERSON_SHOWN_AS = env_str("DEACTIVATED_PERSON_SHOWN_AS", "name")
if DEACTIVATED_PERSON_SHOWN_AS not in {"name", "former"}:
    raise ImproperlyConfigured("DEACTIVATED_PERSON_SHOWN_AS must be name or former.")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
if not DEBUG:
    # __Host- cookies are sent only over HTTPS, to this host, for the whole site.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not DEBUG else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Scripts and styles only from our own files: no inline code, no other sites.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint reports every layout step at INFO, and pikepdf its start-up.
    "loggers": {
        "weasyprint.progress": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
    },
}
