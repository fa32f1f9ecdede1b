"""Select widgets written in Python: the same HTML as Django's templates, without them.

Django renders a <select> through one template include per option (and another for each
option's attributes). The site filters' selects hold 60 options for a lurah and ~370 for
provincial staff (every kecamatan and kelurahan), and rendering them through the template
engine took about half of the site list page. The markup below is exactly what
django/forms/widgets/select.html, select_option.html and attrs.html produce (whitespace
aside; tests/test_form_rendering.py compares them for every select the portal renders).
"""

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    # attrs.html: False leaves the attribute out, True writes it bare.
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(out)


def select_html(widget: dict) -> SafeString | None:
    """The <select> for a widget context, or None when an option uses another template."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in options:
            if option.get("template_name") != OPTION_TEMPLATE:
                return None
            parts.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
