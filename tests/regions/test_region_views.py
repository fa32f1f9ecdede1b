import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

RB = "31.75.03.1004"
KM = "31.75.03.1001"
MENTENG = "31.71.06.1001"


def detail(code):
    return reverse("regions:detail", args=[code])


@pytest.mark.parametrize(
    "url",
    [detail(RB), reverse("regions:boundary", args=[RB]), reverse("regions:root"), reverse("home")],
)
def test_it_redirects_signed_out_users_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_login_page_is_open_and_indonesian(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "Masuk ke Portal Kaltara" in response.text
    assert 'lang="id"' in response.text


@pytest.mark.parametrize(
    ("persona", "code", "actions", "private"),
    [
        ("lurah", RB, True, True),
        ("lurah", KM, False, False),
        ("lurah", MENTENG, False, False),
        ("camat", RB, True, True),
        ("camat", KM, True, True),
        ("camat", MENTENG, False, False),
        ("sudinkes", RB, False, False),
        ("provinsi", RB, False, True),
        ("provinsi", MENTENG, False, True),
        ("nobody", RB, False, False),
    ],
)
def test_it_shows_actions_only_within_scope(client, request, persona, code, actions, private):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(detail(code))
    assert response.status_code == 200
    assert ('id="panel-actions"' in response.text) is actions
    assert ('id="panel-private"' in response.text) is private


def test_it_lists_children_with_breadcrumbs(client, camat):
    client.force_login(camat)
    response = client.get(detail("31.75.03"))
    assert "Rawa Bunga" in response.text
    assert "Jakarta Timur" in response.text  # breadcrumb
    assert response.text.count('class="code">31.75.03.') == 8


def test_the_root_redirects_to_the_province(client, lurah):
    client.force_login(lurah)
    response = client.get(reverse("regions:root"))
    assert response["Location"] == detail("31")


def test_an_unknown_code_is_404(client, lurah):
    client.force_login(lurah)
    assert client.get(detail("31.99")).status_code == 404


def test_the_boundary_is_geojson_of_the_region_and_its_children(client, lurah):
    client.force_login(lurah)
    response = client.get(reverse("regions:boundary", args=["31.75.03"]))
    fc = response.json()
    roles = sorted(f["properties"]["role"] for f in fc["features"])
    assert roles == ["child"] * 8 + ["self"]
    assert len(response.content) < 200_000


@pytest.mark.parametrize("code", ["31", "31.75", "31.75.03", RB])
def test_region_pages_run_a_bounded_number_of_queries(
    client, provinsi, django_assert_max_num_queries, code
):
    client.force_login(provinsi)
    with django_assert_max_num_queries(8):
        assert client.get(detail(code)).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("regions:boundary", args=[code])).status_code == 200


def test_the_language_switches_to_english_and_back(client, lurah):
    client.force_login(lurah)
    response = client.post(reverse("set_language"), {"language": "en", "next": detail(RB)})
    assert response.status_code == 302
    page = client.get(detail(RB))
    assert 'lang="en"' in page.text
    assert "Sign out" in page.text
    client.post(reverse("set_language"), {"language": "id", "next": detail(RB)})
    assert "Keluar" in client.get(detail(RB)).text
