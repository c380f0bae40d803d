"""Django settings. Every value comes from the environment (see `env.py`)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url

from relance.config import env
from relance.config.email import email_settings
from relance.config.private import FILE_MODE, FOLDER_MODE, private_file

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env.data_dir()

SECRET_KEY = env.secret_key(DATA_DIR)
DEBUG = env.get_bool("RELANCE_DEBUG")
ALLOWED_HOSTS = env.get_list("RELANCE_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.get_list("RELANCE_CSRF_TRUSTED_ORIGINS")
# Served over HTTPS (behind a proxy that sets X-Forwarded-Proto, see
# docs/deployment.md): plain HTTP is redirected, browsers are told to use
# HTTPS only for a year (HSTS), cookies never travel in clear.
HTTPS = env.get_bool("RELANCE_HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS or env.get_bool(
    "RELANCE_SECURE_COOKIES"
)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# HSTS preloading commits a whole domain and its subdomains to HTTPS for
# good; only its owner can decide it, at hstspreload.org. Relance does not
# send `preload`, and check --deploy does not ask for it.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Sent on every answer by relance.web.middleware.SecurityHeadersMiddleware.
# Scripts and styles come from files only: no inline <script>, style="" or
# onclick=; htmx is told not to inject styles nor evaluate code (base.html).
RELANCE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],  # data: for the API docs' (Swagger UI) icons
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

INSTALLED_APPS = [
    "relance.core",
    "relance.invoices",
    "relance.law",
    "relance.dunning",
    "relance.bank",
    "relance.reports",
    "relance.mailing",
    "relance.api",
    "relance.portal",
    "relance.web",
    "relance.cli",
    "axes",
    "ninja",  # the API docs' scripts from its static files, not from a CDN
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "relance.web.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "relance.web.middleware.CompanyMiddleware",
    "relance.api.middleware.AllOrNothing",
    # A file sent with PUT (an invoice's PDF, through the API) in request.FILES.
    "ninja.compatibility.files.fix_request_files_middleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a lock into Relance's own answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "relance.config.urls"
WSGI_APPLICATION = "relance.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "relance.web.context_processors.frame",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'relance.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if Path(DATABASES["default"]["NAME"]).parent.is_dir():
        private_file(Path(DATABASES["default"]["NAME"]))  # before SQLite makes it
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # One writer at a time, waiting for the lock instead of failing at once.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "web:login"
PASSWORD_RESET_TIMEOUT = 3600 * 24  # a « mot de passe oublié » link works a day
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"
# Sign-in throttling (django-axes). Its backend comes first: it refuses a
# locked account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
RELANCE_PROXY_COUNT = env.get_int("RELANCE_PROXY_COUNT")
RELANCE_LOCKOUT_MINUTES = env.get_int("RELANCE_LOCKOUT_MINUTES", minimum=1)
RELANCE_API_FAILURE_LIMIT = env.get_int("RELANCE_API_FAILURE_LIMIT", minimum=1)
AXES_FAILURE_LIMIT = env.get_int("RELANCE_LOGIN_FAILURE_LIMIT", minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=RELANCE_LOCKOUT_MINUTES)
# Failures are counted per account and, apart, per address: either locks.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The sign-in forms post the email as "username"; it is compared lower-cased,
# as the user model finds it.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "relance.web.throttling.login_username"
AXES_CLIENT_IP_CALLABLE = "relance.core.addresses.client_ip"
AXES_LOCKOUT_CALLABLE = "relance.web.throttling.locked_out"
# A success must not wipe the failures: it would wipe its address's too.
AXES_RESET_ON_SUCCESS = False
# Only failures are kept, and only while they count (no log of every sign-in).
AXES_DISABLE_ACCESS_LOG = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
# Stored instants are UTC; each company's "today" comes from its own time zone.
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # filled by `relance init` (collectstatic)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "files"
MEDIA_URL = "/files/"  # not served: invoice PDFs go through web:invoice_pdf
FILE_UPLOAD_PERMISSIONS = FILE_MODE
FILE_UPLOAD_DIRECTORY_PERMISSIONS = FOLDER_MODE

# Counters of bad API tokens (relance/core/throttle.py), shared by the web
# processes of this machine.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
    }
}

globals().update(
    email_settings(
        env.get("EMAIL_URL"),
        DATA_DIR / "outbox",
        timeout=env.get_seconds("RELANCE_SMTP_TIMEOUT"),
    )
)

# The mailbox read over IMAP (relance/mailing/imap.py): parsed when read, so
# that a bad URL is a clear message of `relance mailbox fetch`, not a crash.
RELANCE_INBOX_URL = env.get("RELANCE_INBOX_URL")
RELANCE_INBOX_CA_FILE = env.get("RELANCE_INBOX_CA_FILE")
RELANCE_INBOX_COMPANY = (
    env.get_int("RELANCE_INBOX_COMPANY", minimum=1)
    if env.get("RELANCE_INBOX_COMPANY")
    else None
)
RELANCE_INBOX_EVERY_MINUTES = env.get_int("RELANCE_INBOX_EVERY_MINUTES", minimum=1)
if RELANCE_INBOX_EVERY_MINUTES > 60:
    raise ValueError("RELANCE_INBOX_EVERY_MINUTES must be between 1 and 60")

# The task queue (see relance/core/queue.py).
RELANCE_QUEUE = env.get("RELANCE_QUEUE")
RELANCE_QUEUE_FILE = DATA_DIR / "queue.sqlite3"
if RELANCE_QUEUE == "sqlite":
    private_file(RELANCE_QUEUE_FILE)
REDIS_URL = env.get("REDIS_URL")
RELANCE_WORKER_THREADS = int(env.get("RELANCE_WORKER_THREADS"))
RELANCE_BASE_URL = env.get("RELANCE_BASE_URL").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.get("RELANCE_LOG_LEVEL").upper()},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes: each failure and lock at WARNING, its chatter below.
        "axes": {"level": "WARNING"},
        # WeasyPrint (invoice PDFs): its problems, not its progress.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
