"""The one gate of every open-data view: public (no sign-in), GET and HEAD only, switchable off.

The views ignore who asks: a signed-in officer gets exactly what an anonymous visitor gets,
so nothing private can reach these pages through a session. With KALTARA_OPEN_DATA = False
every one of them is a 404, read at request time.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.views.decorators.http import require_safe


def open_data_view(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.KALTARA_OPEN_DATA:
            raise Http404
        response = view(request, *args, **kwargs)
        # Public, read-only and the same for everyone: other sites' scripts may read it (no
        # credentials are ever honoured with "*").
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return login_not_required(require_safe(wrapped))
