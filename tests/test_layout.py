"""The page layout: each role's navigation, the language picker, and what is cached of them.

The navigation and the language options are rendered once per process and kept
(kaltara/templatetags/portal.py); these tests pin that each role still gets its own links
in its own language, and that nothing of a request or a user is kept with them.
"""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.templatetags import portal
from tests.conftest import RAWA_BUNGA, make_user
from web.redis_cache import RedisCache

pytestmark = pytest.mark.django_db


def _nav(html: str) -> str:
    return re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', _nav(html)))


PROVINCE_ONLY = {reverse("kaltara:rankings"), reverse("audit:list"), reverse("kaltara:province")}
REVIEW = reverse("services:review_queue")
SECTOR = reverse("kaltara:dashboard_sector")
EXPORT = reverse("kaltara:export_list")


@pytest.mark.parametrize(
    ("persona", "present", "absent"),
    [
        ("lurah", {EXPORT, reverse("services:site_list")}, PROVINCE_ONLY | {REVIEW, SECTOR}),
        ("sudinkes", {REVIEW, SECTOR, EXPORT}, PROVINCE_ONLY),
        ("provinsi", PROVINCE_ONLY | {EXPORT}, {REVIEW, SECTOR}),
        ("nobody", {reverse("home")}, PROVINCE_ONLY | {REVIEW, SECTOR, EXPORT}),
    ],
)
def test_each_role_gets_its_own_links(request, client, persona, present, absent):
    client.force_login(request.getfixturevalue(persona))
    links = _links(client.get(reverse("kawasan:list")).content.decode())
    assert present <= links
    assert not (absent & links)


def test_a_role_does_not_inherit_the_links_cached_for_another(client, provinsi, lurah):
    client.force_login(provinsi)
    assert reverse("audit:list") in _links(client.get(reverse("kawasan:list")).content.decode())
    client.force_login(lurah)
    assert reverse("audit:list") not in _links(client.get(reverse("kawasan:list")).content.decode())


def test_the_navigation_follows_the_language(client, lurah):
    client.force_login(lurah)
    indonesian = _nav(client.get(reverse("kawasan:list")).content.decode())
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = _nav(client.get(reverse("kawasan:list")).content.decode())
    assert ">Beranda<" in indonesian and ">Home<" in english
    assert 'value="en" selected' in client.get(reverse("kawasan:list")).content.decode()


def test_nothing_of_a_request_or_user_is_kept_with_the_layout(client):
    for username, role, region in (
        ("lurah.unik", Role.LURAH, RAWA_BUNGA),
        ("provinsi.unik", Role.PROVINSI, "31"),
    ):
        client.force_login(make_user(username, role, region))
        client.get(reverse("kawasan:list") + "?cari=jejak-permintaan")
    kept = "".join(portal._RENDERED.values())
    assert "Beranda" in kept
    for private in ("csrfmiddlewaretoken", ".unik", "jejak-permintaan", "nonce"):
        assert private not in kept


def test_the_header_still_carries_the_request_parts(client, lurah):
    client.force_login(lurah)
    html = client.get(reverse("kawasan:list") + "?q=x").content.decode()
    header = html[html.index("<header") : html.index("</header>")]
    assert header.count('name="csrfmiddlewaretoken"') == 2  # language and sign-out forms
    assert 'name="next" type="hidden" value="/kawasan/?q=x"' in header
    assert str(lurah) in header


def test_the_redis_cache_reuses_one_client_per_pool():
    # No server needed: a client connects only when it sends a command.
    cache = RedisCache("redis://127.0.0.1:1/0", {})
    assert cache._cache.get_client("a") is cache._cache.get_client("b")
    assert cache._cache.get_client("a", write=True) is cache._cache.get_client("b", write=True)


def _footer(html: str) -> str:
    return html[html.index("<footer") : html.index("</footer>")]


def test_the_open_data_page_is_linked_for_visitors_and_every_role(client, lurah, settings):
    open_data = reverse("opendata:index")
    login = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{open_data}"' in _footer(login)
    client.force_login(lurah)
    page = client.get(reverse("kawasan:list")).content.decode()
    assert open_data in _links(page)
    assert f'href="{open_data}"' in _footer(page)

    # Switched off, the pages answer 404: no link leads there (the kept layout follows).
    settings.KALTARA_OPEN_DATA = False
    page = client.get(reverse("kawasan:list")).content.decode()
    assert open_data not in _links(page) and open_data not in _footer(page)
    client.logout()
    assert open_data not in client.get(reverse("accounts:login")).content.decode()


def test_the_header_has_a_menu_button_for_its_links_and_tools(client, lurah):
    client.force_login(lurah)
    html = client.get(reverse("kawasan:list")).content.decode()
    header = html[html.index("<header") : html.index("</header>")]
    button = re.search(r'<button type="button" class="menu-toggle"[^>]*>Menu</button>', header)
    assert button and 'aria-expanded="false"' in button.group(0)
    assert 'aria-controls="topbar-menu"' in button.group(0)
    menu = header[header.index('id="topbar-menu"') :]
    assert '<nav class="mainnav"' in menu and 'class="who"' in menu and "Keluar" in menu
    assert "js/menu.js" in html and "css/noscript.css" in html
    # Signed out there is nothing to fold: no button.
    client.logout()
    assert "menu-toggle" not in client.get(reverse("accounts:login")).content.decode()
