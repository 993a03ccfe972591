"""Settings for a developer's machine: `make run` serves the demo with these."""

from .base import *  # noqa: F403
from .base import env

# Off by default, so `make run` shows the site's own error pages (a 404 lists no URL patterns) as
# production does; DJANGO_DEBUG=1 brings back Django's debug pages. Static files do not need DEBUG here
# (whitenoise serves them from the finders, below), and `make run` asks loaddemo for the demo users
# explicitly (--force) instead of relying on DEBUG.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# A fixed key is acceptable only here: local data is the public demo.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-only-tiendo-demo-key-not-for-production-use-0123456789")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# Serve static files straight from the source folders: no collectstatic step for `make run`.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
