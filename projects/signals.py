"""Signals the write side sends after commit, so that the read side can refresh what changed."""

from django.dispatch import Signal

# Sent on commit with programme_ids (set of ints) and unit_paths (set of tree paths whose
# subtrees changed). Receivers must not assume anything else about the change.
assignments_changed = Signal()
