"""{% error_summary %}: the errors of a refused form, listed at the top of its page.

base.html calls it with no argument on every page: on the answer to a POST it finds the
forms of the page's context that have errors, so every form of the portal gets its summary
without each template asking for it (a GET page lists nothing: a filter form with a bad
value in its URL is not a refused submission). A template may name its forms instead
(`{% error_summary form other_form %}`, in the `error_summary` block).
"""

from django import template
from django.forms import BaseForm
from django.template.loader import render_to_string

from web.form_rendering import error_summary_items

register = template.Library()


def _page_forms(context) -> list[BaseForm]:
    request = context.get("request")
    if request is None or request.method != "POST":
        return []
    found: dict[int, BaseForm] = {}
    for value in context.flatten().values():
        if isinstance(value, BaseForm):
            found.setdefault(id(value), value)
    return list(found.values())


@register.simple_tag(takes_context=True)
def error_summary(context, *forms):
    items = error_summary_items(forms or _page_forms(context))
    if not items:
        return ""
    return render_to_string("_error_summary.html", {"items": items})
