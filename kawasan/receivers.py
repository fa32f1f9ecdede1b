"""Keeping base kawasan in step with the sites below them (sites sends, kawasan listens).

Adapters only: the rule "a new site joins its base kawasan" is kawasan.services'
base_kawasan_site_add, which announces the membership change itself (kawasan_changed), so no
other receiver of site_created has to run after this one.
"""

from django.dispatch import receiver

from sites.signals import site_created

from .services import base_kawasan_site_add


@receiver(site_created, dispatch_uid="kawasan.base_kawasan_site_add")
def site_created_join_base_kawasan(sender, site, user=None, **kwargs):
    # Sent inside the creating transaction, so the membership commits or rolls back with it.
    base_kawasan_site_add(site, user=user)
