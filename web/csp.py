"""The request's CSP nonce for form widgets.

django-leaflet's map widget writes an inline <script nonce="{{ csp_nonce }}">, but a widget
renders with its own context, never the page's, so the nonce has to reach it some other way:
the middleware keeps the current request in a context variable and the form renderer hands
its nonce to any widget context that asks for one ("csp_nonce" present and empty).
"""

from contextvars import ContextVar

from django.forms.renderers import DjangoTemplates

from web.form_rendering import SELECT_TEMPLATE, PortalBoundField, select_html

_current_request: ContextVar = ContextVar("kaltara_csp_request", default=None)


class RequestNonceMiddleware:
    """Put after csp.middleware.CSPMiddleware, which gives the request its nonce."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def current_nonce() -> str:
    """The nonce of the request being handled, or "" outside a request (the shell, a task).

    Reading it is what puts it into the response's header, so only widgets that need it
    read it.
    """
    request = _current_request.get()
    nonce = getattr(request, "csp_nonce", None) if request is not None else None
    return str(nonce) if nonce is not None else ""


class NonceFormRenderer(DjangoTemplates):
    # Every form's fields, tied to their errors (web/form_rendering.py).
    bound_field_class = PortalBoundField

    def render(self, template_name, context, request=None):
        # Selects are written in Python (same markup, a fraction of the time).
        if template_name == SELECT_TEMPLATE and "widget" in context:
            html = select_html(context["widget"])
            if html is not None:
                return html
        if "csp_nonce" in context and not context["csp_nonce"]:
            context = {**context, "csp_nonce": current_nonce()}
        return super().render(template_name, context, request=request)
