"""Follow edits in the lower apps and queue the kawasan whose score they touch.

The signals are sent inside the edit's transaction; recompute_request adds queue rows in
that transaction and schedules the recompute after commit, so a rolled-back edit
recomputes nothing.

No receiver here relies on another app's receiver having run first. A created site is in no
kawasan yet, so site_created alone changes no score; the kawasan it then joins (its base
kawasan: kawasan.services.base_kawasan_site_add) announce themselves with kawasan_changed,
whichever order the receivers of site_created run in.
"""

from django.dispatch import receiver

from kawasan.signals import kawasan_changed
from sites.signals import link_changed, site_changed

from . import queue

# Site fields the score does not read: a change to only these recomputes nothing.
FIELDS_WITHOUT_SCORE = frozenset(
    {"name", "address", "contact", "source", "source_id", "source_note", "documents", "is_demo"}
)


@receiver(site_changed, dispatch_uid="scoring.site_changed")
def site_changed_recompute(sender, site, fields=None, **kwargs):
    if fields and FIELDS_WITHOUT_SCORE.issuperset(fields):
        return
    queue.recompute_sites([site.pk])


@receiver(link_changed, dispatch_uid="scoring.link_changed")
def link_changed_recompute(sender, link, **kwargs):
    # Only kawasan holding both ends count the link, but holding one end is a cheap superset.
    queue.recompute_sites([link.site_a_id, link.site_b_id])


@receiver(kawasan_changed, dispatch_uid="scoring.kawasan_changed")
def kawasan_changed_recompute(sender, kawasan, **kwargs):
    queue.recompute_request([kawasan.pk])
