"""An oversized request gets the portal's 413 on the development server too (wsgiref), not a
bare 500; gunicorn (production) gets the same answer with Connection: close."""

import http.client
import threading

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.test import RequestFactory
from django.urls import reverse

from web.limits import RequestBodyLimitMiddleware


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def dev_server(settings):
    settings.KALTARA_MAX_REQUEST_BYTES = 1024
    server = ThreadedWSGIServer(("127.0.0.1", 0), _Quiet, allow_reuse_address=True)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_development_server_answers_413_with_the_message(dev_server):
    conn = http.client.HTTPConnection("127.0.0.1", dev_server, timeout=10)
    body = b"x" * 4096
    conn.request(
        "POST",
        reverse("accounts:login"),
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    assert response.status == 413
    assert "terlalu besar" in response.read().decode()
    conn.close()


def test_other_servers_are_told_to_close_the_connection(settings):
    settings.KALTARA_MAX_REQUEST_BYTES = 1024
    middleware = RequestBodyLimitMiddleware(lambda request: None)
    request = RequestFactory().post(
        "/", data=b"x" * 4096, content_type="text/plain", SERVER_SOFTWARE="gunicorn/23.0.0"
    )
    response = middleware(request)
    assert response.status_code == 413
    assert response["Connection"] == "close"
