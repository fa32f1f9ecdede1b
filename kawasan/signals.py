"""Signals that let higher apps (scoring) follow kawasan changes without kawasan importing them.

Sent from kawasan.membership and kawasan.services (a new site joining its base kawasan) after
the write, inside its transaction: receivers that enqueue work (a score recompute) must use
transaction.on_commit.
"""

from django.dispatch import Signal

# kwargs: kawasan (the Kawasan), user (who acted or None)
kawasan_changed = Signal()
