"""Private file storage: evidence and import files, never served from /media/.

Files here are read back only through views that check who may see them. The location is read from
settings on each use, so a test can point it at a temporary directory.
"""

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


def private_root() -> str:
    return str(getattr(settings, "TIENDO_PRIVATE_MEDIA_ROOT", settings.BASE_DIR / "private"))


@deconstructible(path="projects.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """File-system storage under TIENDO_PRIVATE_MEDIA_ROOT, with no public URL."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return private_root()

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view that checks access.")


private_storage = PrivateStorage()


def _random_name(folder: str, filename: str) -> str:
    from django.utils import timezone

    extension = os.path.splitext(filename)[1].lower()[:10]
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


def evidence_path(instance, filename: str) -> str:
    """Store evidence under a random name: the uploader's file name never reaches the disk or a URL."""
    return _random_name("evidence", filename)


def import_path(instance, filename: str) -> str:
    return _random_name("imports", filename)


# A kept evidence file (a report form refused for another reason) is named by a token valid this long.
PENDING_EVIDENCE_MAX_AGE = 24 * 60 * 60


def pending_evidence_expire() -> int:
    """Delete the kept evidence files older than their token can be: no form can attach them any more."""
    from datetime import timedelta

    from django.utils import timezone

    try:
        _folders, names = private_storage.listdir("pending")
    except FileNotFoundError:
        return 0
    older_than = timezone.now() - timedelta(seconds=PENDING_EVIDENCE_MAX_AGE)
    deleted = 0
    for name in names:
        path = f"pending/{name}"
        if private_storage.get_modified_time(path) < older_than:
            private_storage.delete(path)
            deleted += 1
    return deleted
