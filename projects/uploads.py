"""An upload handler that stops writing a file to disk once it is larger than any upload may be.

Django's TemporaryFileUploadHandler writes every uploaded byte to disk before a form can look at the
size. This one keeps counting past the limit but writes nothing more, so a 2 GB upload costs at most
the limit on disk; the file then reports its full size, and the form refuses it with its own message.
"""

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler


def upload_limit() -> int:
    """The largest file any form accepts (evidence or import)."""
    return max(settings.TIENDO_EVIDENCE_MAX_BYTES, settings.TIENDO_IMPORT_MAX_BYTES)


class BoundedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Write at most upload_limit() + 1 bytes of a file; count the rest so that its size is still known."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.limit = upload_limit()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        room = self.limit + 1 - self.received
        self.received += len(raw_data)
        if room > 0:
            self.file.write(raw_data[:room])

    def file_complete(self, file_size):
        self.file.seek(0)
        # The size of what was sent, not of what was kept: the form's size check refuses the file.
        self.file.size = file_size
        return self.file
