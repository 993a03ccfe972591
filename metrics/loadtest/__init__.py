"""``make loadtest``: readers and reporters at once against gunicorn with the production settings.

One job per module, so that other runs (``make bench``) can reuse them:
``database`` prepares a database of its own, ``server`` runs gunicorn on the loopback, ``client`` runs
locust headless against it (``locustfile`` holds the readers and reporters), ``summary`` reads the
figures and prints them; ``__main__`` puts them together.
"""
