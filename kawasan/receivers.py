"""Keeping base kawasan in step with the sites below them (services sends, kawasan listens)."""

from django.dispatch import receiver

from sites.signals import site_created

from .services import base_kawasan_site_add


@receiver(site_created, dispatch_uid="kawasan.base_kawasan_site_add")
def site_created_join_base_kawasan(sender, site, user=None, **kwargs):
    # Sent inside the creating transaction, so the membership commits or rolls back with it.
    base_kawasan_site_add(site)
