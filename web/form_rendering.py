"""How the portal renders forms: selects written in Python, and errors that can be found.

Selects: the same HTML as Django's templates, without them. Django renders a <select>
through one template include per option (and another for each option's attributes). The
site filters' selects hold 60 options for a lurah and ~370 for provincial staff (every
kecamatan and kelurahan), and rendering them through the template engine took about half of
the site list page. The markup below is exactly what django/forms/widgets/select.html,
select_option.html and attrs.html produce (whitespace aside; tests/test_form_rendering.py
compares them for every select the portal renders).

Errors: every field is bound through PortalBoundField (the form renderer names it, so every
form of the portal has it) and a refused form's page lists its errors at the top
(error_summary_items, rendered by the {% error_summary %} tag of base.html), each a link to
its field, as the accessibility finding of issue 15 asked.
"""

from collections.abc import Iterable

from django.forms import BaseForm, BoundField, RadioSelect
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


# ---- errors: the summary at the top of a refused form, and each field tied to its errors ----


class PortalBoundField(BoundField):
    """Django's bound field, with its errors reachable from the field and from the summary.

    Django already marks a field with errors aria-invalid="true" and points its
    aria-describedby at "<id>_helptext" and "<id>_error" (the ids its help text and error
    list carry). Two gaps are filled here:
    - a group of radios or checkboxes (a "fieldset" widget) gets the description on each of
      its inputs: the portal's templates do not wrap groups in a <fieldset> that could carry it;
    - a form may say that a field shows the errors of another too (`Form.errors_also_at`,
      {field: (other fields, ...)}): the site form's latitude and longitude are the keyboard
      way to set the "location", so an error of the location marks them invalid as well.
    """

    def _errors_shown_here(self) -> list[str]:
        others = getattr(self.form, "errors_also_at", {}).get(self.name, ())
        return [name for name in others if self.form.errors.get(name)]

    @property
    def aria_describedby(self):
        ids = super().aria_describedby
        if ids is None:
            # The widget names its own description (the site form's latitude and longitude
            # point at the location's help): kept, with the errors shown here after it.
            ids = self.field.widget.attrs["aria-describedby"]
            if not self._errors_shown_here():
                return None  # the widget's own attribute stands as it is
        if self.auto_id and not self.is_hidden:
            extra = [f"{self.form[name].auto_id}_error" for name in self._errors_shown_here()]
            ids = " ".join(i for i in [ids, *extra] if i)
        return ids

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden:
            return attrs
        if self._errors_shown_here():
            attrs["aria-invalid"] = "true"
        # Django leaves the description to a <fieldset> around a group, or (for the fields
        # above) left it out before the other field's errors were counted.
        if not attrs.get("aria-describedby") and (ids := self.aria_describedby):
            attrs["aria-describedby"] = ids
        return attrs

    @property
    def error_target_id(self) -> str:
        """The id a link to this field goes to: the element that takes the focus.

        A widget may name it (`error_target_id(auto_id)`: the site form's map); a group of
        radios or checkboxes is reached at its first input, as its label is not tied to any.
        """
        widget = self.field.widget
        named = getattr(widget, "error_target_id", None)
        if named is not None:
            return named(self.auto_id)
        if isinstance(widget, RadioSelect):  # CheckboxSelectMultiple is one too
            return widget.id_for_label(self.auto_id, "0")
        return self.id_for_label or self.auto_id or ""


def error_summary_items(forms: Iterable[BaseForm]) -> list[dict]:
    """One entry per error of the forms: the form's own errors first, then the fields' in
    the order the form shows them. Each entry is {"text": ..., "href": "#<id>" or None}.

    A field's message is prefixed with its label unless it already starts with it (the
    portal's messages often do: "Lokasi: titik berada di luar ..."). A hidden field has no
    place to go to, so its entry is text only; so are the form's own errors, unless the form
    names a field for them (`non_field_errors_at`, an id).
    """
    items: list[dict] = []
    for form in forms:
        errors = form.errors
        if not errors:
            continue
        # The form may name where its own errors are best fixed (the login: the user name).
        at = getattr(form, "non_field_errors_at", "")
        items += [
            {"text": str(m), "href": f"#{at}" if at else None} for m in form.non_field_errors()
        ]
        for bound in form:
            for message in errors.get(bound.name, ()):
                text = str(message)
                if bound.is_hidden:  # its label is only its name, made readable
                    items.append({"text": text, "href": None})
                    continue
                label = str(bound.label or "").strip()
                if label and not text.lower().startswith(label.lower()):
                    text = f"{label}: {text}"
                target = getattr(bound, "error_target_id", "") or bound.auto_id
                items.append({"text": text, "href": f"#{target}" if target else None})
    return items
