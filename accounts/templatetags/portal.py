"""The page layout's parts that are the same for every request of a kind.

The main navigation depends only on the language and on which groups of links the user's
grants open, and the language picker's options only on the language; yet their template
tags (eleven URL reversals, a dozen translations) cost a quarter of a page served from
cached fragments. Each variant is rendered once per process and kept: a worker holds at most
(languages x 2^5) navigations. Nothing from the request is in them (no CSRF token, no
path, no name): those stay in base.html.
"""

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from accounts import scoping

register = template.Library()

_RENDERED: dict[tuple, SafeString] = {}


def nav_flags(user) -> dict[str, bool]:
    """Which groups of links the user's grants open (the pages check access themselves)."""
    open_data = settings.KALTARA_OPEN_DATA  # a setting, yet a key: tests switch it
    if not getattr(user, "is_authenticated", False):
        return {"signed_in": False, "open_data": open_data}
    grants = scoping.grants_for(user)
    return {
        "signed_in": True,
        "open_data": open_data,
        "may_review": bool(scoping.grants_with(user, scoping.Right.REVIEW)),
        "is_provincial": scoping.is_provincial(user),
        "may_export": bool(scoping.grants_with(user, scoping.Right.SEE_PRIVATE)),
        "is_sudin": any(g.sector_id is not None for g in grants),
    }


def _once(template_name: str, ctx: dict) -> SafeString:
    key = (template_name, translation.get_language(), tuple(sorted(ctx.items())))
    html = _RENDERED.get(key)
    if html is None:
        html = _RENDERED[key] = mark_safe(  # noqa: S308 - our template, no request data
            render_to_string(template_name, ctx)
        )
    return html


@register.simple_tag(takes_context=True)
def main_nav(context) -> SafeString:
    return _once("_main_nav.html", nav_flags(context.get("user")))


@register.simple_tag
def language_options() -> SafeString:
    return _once("_language_options.html", {})


@register.simple_tag
def footer_links() -> SafeString:
    # The public pages' link, for visitors who are not signed in too (the login page).
    return _once("_footer_links.html", {"open_data": settings.KALTARA_OPEN_DATA})
