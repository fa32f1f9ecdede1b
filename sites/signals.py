"""Signals that let higher apps follow site changes without services importing them.

Sent from the services layer (never from save()), after the write, inside its
transaction: receivers that enqueue work must use transaction.on_commit.
"""

from django.dispatch import Signal

# kwargs: site (the Site), user (who acted or None)
site_created = Signal()
# kwargs: site, user, fields (the names of the changed fields)
site_changed = Signal()
# kwargs: link (the SiteLink), user
link_changed = Signal()
