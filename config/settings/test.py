"""Settings for the test suite: the same stack, with fast password hashing and in-memory files."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-key-for-the-tiendo-suite-not-secret-0123456789abcdef"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
TIENDO_TEST_REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)
# Static files come from the finders (as under runserver); there is no collected STATIC_ROOT in tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# No page cache unless a test asks for one (tests/metrics/test_page_cache.py): the rest of the suite
# writes with factories, outside the services that bump the data's generation.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
