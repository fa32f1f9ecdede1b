"""Settings for the Kaltara portal, read from environment variables.

With no variables at all this is the embedded default for a first run: SpatiaLite in
``var/kaltara.sqlite3`` and Celery tasks run inline. Production uses
``kaltara.settings_production``, which refuses to start without real secrets.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer may keep local overrides in .env; production passes real variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Only usable locally: settings_production requires DJANGO_SECRET_KEY and rejects this one.
INSECURE_DEV_SECRET_KEY = "django-insecure-kaltara-local-only"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=INSECURE_DEV_SECRET_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django_filters",
    "leaflet",
    "axes",
    "csp",
    # The portal's read API (api/): Django REST framework, GeoJSON serializers, the OpenAPI
    # document and its docs page with Swagger UI served from our own static files.
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Imports point one way, from the top of this list's reverse to its bottom (the order is
    # a tested fact: tests/test_layering.py): kaltara (the shell) -> audit, demo, api -> exports
    # -> dashboards -> scoring -> kawasan -> sites -> clusters -> notifications -> accounts
    # -> regions -> web.
    "web",
    "regions",
    "accounts",
    "notifications",
    "clusters",
    "sites",  # label "services"
    "kawasan",
    "scoring",
    "dashboards",
    "exports",
    "demo",
    # Reads every app's records of changes; nothing imports it.
    "audit",
    # The read API at /api/v1/ and the personal tokens that open it; nothing imports it.
    "api",
    # Open data and the HSDS API (public, no sign-in); same layer as audit and demo.
    "opendata",
    # The shell: settings, URLs, the Celery app; its one migration moved Export to exports.
    "kaltara",
]

MIDDLEWARE = [
    # First: an oversized body is refused before anything reads it.
    "web.limits.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Lets form widgets (django-leaflet's map) put the request's nonce on their inline script.
    "web.csp.RequestNonceMiddleware",
    # Serves static files under gunicorn too, so the portal needs no CDN and no extra server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # In place of Django's LocaleMiddleware, which follows the browser's Accept-Language: the
    # user's saved language, else the switch's cookie, else LANGUAGE_CODE. After the user.
    "accounts.locale.UserLocaleMiddleware",
    # Nothing is readable without signing in (public facts included): fail closed.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Downloads of exports and documents leave a row for the audit page.
    "audit.middleware.DownloadAuditMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kaltara.urls"
# A refused form (most often one left open past its session) gets the portal's page, not Django's.
CSRF_FAILURE_VIEW = "web.errors.csrf_failure"
WSGI_APPLICATION = "kaltara.wsgi.application"
# Django's form renderer, plus the request's CSP nonce for widgets that ask for one.
FORM_RENDERER = "web.csp.NonceFormRenderer"

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
                "web.context_processors.portal",
                "web.context_processors.csp_nonce",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

# Embedded default: SpatiaLite under var/. Production and CI: postgis://user@host/db.
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"spatialite:///{BASE_DIR / 'var' / 'kaltara.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("spatialite"):
    # The embedded database has one writer at a time. Two officers acting at once must wait
    # for each other, not fail: a busy timeout (seconds) instead of "database is locked" at
    # once, and write transactions that take the lock when they begin (IMMEDIATE), so a
    # transaction that read first never finds the lock taken when it comes to write (SQLite
    # cannot wait in that case: it fails at once whatever the timeout).
    # (SpatiaLite resets the timeout when it loads: web.db sets it again on every connection.)
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
KALTARA_SQLITE_BUSY_TIMEOUT_MS = env.int("KALTARA_SQLITE_BUSY_TIMEOUT_MS", default=20_000)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"].endswith("postgis"):
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# django-axes checks every sign-in attempt first (it needs the request: the login page and
# the admin pass it); ModelBackend then checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The largest request the portal accepts (a 5 MB document with its form, with room to spare);
# anything larger is refused with 413 before it is read (web.limits).
KALTARA_MAX_REQUEST_BYTES = env.int("KALTARA_MAX_REQUEST_BYTES", default=12 * 1024 * 1024)

# Password guessing (accounts.lockout): five wrong passwords for one username, from any
# address, lock that username out for 30 minutes; twenty from one address, for any
# usernames, lock that address out. One address can no longer try a few passwords on every
# username; the page warns before the last try. (A stranger can lock an officer out for 30
# minutes: the price of stopping guessing from many addresses; the lockout page says how.)
AXES_ENABLED = True
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = 5
KALTARA_ADDRESS_FAILURE_LIMIT = 20
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
# Failed attempts are kept one by one for the audit page (AccessAttempt only counts them).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Behind a reverse proxy every request comes from the proxy's address: set the number of
# trusted proxies so the client's address is read from X-Forwarded-For (the right-most
# entries, the ones the proxies added). 0: REMOTE_ADDR only, which a client cannot forge.
KALTARA_PROXY_COUNT = env.int("KALTARA_PROXY_COUNT", default=0)
if KALTARA_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = KALTARA_PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# Bahasa Indonesia first; English selectable through the language switch.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switch's choice outlives the browser session (a signed-in user's is kept on the account).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
# `make run` serves static files as production does (KALTARA_COLLECTED_STATIC=1, after `make
# setup` ran collectstatic): names with a content hash, cached by browsers for good, compressed.
# Without it (tests, a bare runserver) whitenoise serves the files of the app folders as they are.
KALTARA_COLLECTED_STATIC = env.bool("KALTARA_COLLECTED_STATIC", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if KALTARA_COLLECTED_STATIC
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not KALTARA_COLLECTED_STATIC
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")

# The real Jakarta data stays outside the repository (see README "Data").
KALTARA_DATA_DIR = Path(
    env.str("KALTARA_DATA_DIR", default=str(BASE_DIR.parent / "shared" / "data"))
)

# The open standards (HSDS 3.0 schemas, ...) stay outside the repository too: beside the data
# folder (../shared/standards next to the checkout when neither is set).
KALTARA_STANDARDS_DIR = Path(
    env.str("KALTARA_STANDARDS_DIR", default=str(KALTARA_DATA_DIR.parent / "standards"))
)

# Open data without signing in (/data-terbuka/, /api/hsds/): False answers 404 everywhere.
KALTARA_OPEN_DATA = env.bool("KALTARA_OPEN_DATA", default=True)
# Publish the facilities registered from the official sources as imported (never edited in
# the portal), marked "terdaftar" (not verified), besides the verified ones (opendata.selectors).
KALTARA_OPEN_DATA_REGISTERED = env.bool("KALTARA_OPEN_DATA_REGISTERED", default=True)

# Map tiles are optional: boundaries and markers render without them on a closed network.
KALTARA_TILE_URL = env.str(
    "KALTARA_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
KALTARA_TILE_ATTRIBUTION = env.str(
    "KALTARA_TILE_ATTRIBUTION", default="&copy; OpenStreetMap contributors"
)


def tile_source(url: str) -> str | None:
    """The CSP source of the tile server: its scheme, host and port, with a "{s}" subdomain
    placeholder as a wildcard. None for no tiles or tiles served by the portal itself."""
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.netloc:
        return None  # a path on this site: 'self' covers it
    if parts.scheme not in ("http", "https"):
        raise ImproperlyConfigured("KALTARA_TILE_URL must be an http(s) URL or a path.")
    labels = parts.netloc.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    host = ".".join(labels)
    if "{" in host or "}" in host:
        raise ImproperlyConfigured(
            "KALTARA_TILE_URL: only the first part of the host may be a placeholder ({s})."
        )
    return f"{parts.scheme}://{host}"


LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (-6.2, 106.85),
    "DEFAULT_ZOOM": 11,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 19,
    "TILES": [("Peta", KALTARA_TILE_URL, {"attribution": KALTARA_TILE_ATTRIBUTION})]
    if KALTARA_TILE_URL
    else [],
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
    # One scale bar (L.control.scale), in metres only: the portal's distances are metres
    # (walking distance to a hub, a point's distance to a duplicate).
    "SCALE": "metric",
}

# Content Security Policy: scripts, styles, fetches and forms only from the portal itself,
# images also from the tile server. Inline <script> runs only with the request's nonce
# (django-leaflet's map widget); event handlers live in static/js/portal.js.
_TILE_SOURCE = tile_source(KALTARA_TILE_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        # <style> elements and stylesheets: only ours, from static/css.
        "style-src": [SELF],
        # style="" attributes are allowed: colours come from the database (service-type
        # chips, legends, map markers that Leaflet builds from HTML strings) and cannot be
        # listed in advance. An injected attribute can neither run script nor load anything
        # outside img-src, and <style> elements and foreign stylesheets stay refused.
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", *([_TILE_SOURCE] if _TILE_SOURCE else [])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
    }
}

# The read API (/api/v1/, app api): signed-in users only, through their session or a
# personal token (Authorization: Bearer ...); read-only. The views name their classes
# themselves (api.views.ApiView); these defaults fail closed for any other DRF view.
KALTARA_API_RATE = env.str("KALTARA_API_RATE", default="1000/hour")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PortalUserRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API baca Portal Kaltara",
    "DESCRIPTION": (
        "Data portal sebagaimana dilihat penggunanya: situs layanan, kawasan, skor, wilayah "
        "dan peringkat. Masuk dengan sesi portal atau token pribadi "
        "(`Authorization: Bearer <token>`, dibuat di `/akun/token/`)."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Docstrings are written for developers (in English); what API users read is set on
    # each view (extend_schema), in Indonesian.
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from drf-spectacular-sidecar's files under STATIC_URL: no CDN (closed
    # network, strict CSP), and no call to the public validator.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True},
}

# Redis in production (shared by all workers: locks, deduplication); memory when embedded.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://kaltara")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "web.redis_cache.RedisCache"  # reuses its client

# Celery: with a broker URL a real worker runs tasks; without one they run inline (eager),
# so the embedded default needs no Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if not CELERY_BROKER_URL:
    # Inline tasks still build a (never connected) producer: keep it in memory rather than
    # letting kombu fall back to an AMQP server on localhost.
    CELERY_BROKER_URL = "memory://localhost/"  # a host: kombu warns on every publish without
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An edit whose recompute cannot be published gives up quickly: the sweep catches it up.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.2,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TIMEZONE = TIME_ZONE

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="kaltara@localhost")
# Used by the SMTP backend (DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 20
# Where the portal is reached, for links in emails (e.g. https://kaltara.jakarta.go.id).
KALTARA_SITE_URL = env.str("KALTARA_SITE_URL", default="")

# Review workflow: a submission or pending change waiting longer than this is overdue, and
# a verified site must be re-verified within KALTARA_FRESHNESS_DAYS.
KALTARA_REVIEW_OVERDUE_DAYS = env.int("KALTARA_REVIEW_OVERDUE_DAYS", default=7)
KALTARA_FRESHNESS_DAYS = env.int("KALTARA_FRESHNESS_DAYS", default=365)
if KALTARA_REVIEW_OVERDUE_DAYS < 1 or KALTARA_FRESHNESS_DAYS < 1:
    raise ImproperlyConfigured(
        "KALTARA_REVIEW_OVERDUE_DAYS and KALTARA_FRESHNESS_DAYS must be at least 1 day."
    )

# seed_demo refuses to run where this is False (production settings set it so).
KALTARA_ALLOW_DEMO = True

# GDAL 3.6 (Debian 12) cannot block file or network access from a spatial reference. No
# user input reaches GDAL here: uploaded or imported geometry is rebuilt from its "type" and
# "coordinates" only and parsed by GEOS (see regions.loading and services forms), so a
# "crs" member or a file path is never handed to GDAL.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
}
