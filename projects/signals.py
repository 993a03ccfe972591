"""Signals the write side sends, so that the read side can refresh what changed."""

from django.dispatch import Signal

# Sent inside the writing transaction with programme_ids (set of ints) and unit_paths (set of tree
# paths whose subtrees changed). A receiver records what it needs in that transaction (so a change is
# never saved without it, nor it without the change) and defers anything else, such as enqueuing a
# task, with transaction.on_commit. Receivers must not assume anything else about the change.
assignments_changed = Signal()
