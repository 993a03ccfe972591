"""Private file storage: evidence and import files, never served from /media/.

Files here are read back only through views that check who may see them. The location is read from
settings on each use, so a test can point it at a temporary directory.
"""

import os

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
