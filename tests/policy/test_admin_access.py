"""Provincial staff reach the reference data they own in the Django admin: the catalogue
(service types and their checklists, clusters, indicator sets) to add and change, the
scoring policy only to read (it is written in the portal). Admin access follows the role."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import PROVINCIAL_STAFF_GROUP, Assignment, Role, User
from clusters.models import Cluster, IndicatorSet
from scoring import selectors
from sites.models import ServiceType
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_a_provincial_grant_makes_the_user_staff_in_the_provincial_group(provinsi):
    provinsi.refresh_from_db()
    assert provinsi.is_staff and not provinsi.is_superuser
    assert list(provinsi.groups.values_list("name", flat=True)) == [PROVINCIAL_STAFF_GROUP]


def test_losing_the_grant_takes_admin_access_away(provinsi):
    Assignment.objects.filter(user=provinsi).delete()

    provinsi.refresh_from_db()
    assert not provinsi.is_staff and not provinsi.groups.exists()


def test_other_roles_get_no_admin_access(lurah, camat, sudinkes):
    for user in (lurah, camat, sudinkes):
        user.refresh_from_db()
        assert not user.is_staff and not user.groups.exists()


def test_a_lurah_made_provincial_too_becomes_staff(lurah):
    Assignment.objects.create(user=lurah, role=Role.PROVINSI, region_id="31")

    assert lurah.is_staff  # the object in hand follows, so a later save keeps it
    lurah.save()
    assert User.objects.get(pk=lurah.pk).is_staff


def test_the_group_may_change_the_catalogue_and_only_view_scoring():
    perms = set(
        Group.objects.get(name=PROVINCIAL_STAFF_GROUP).permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    assert {
        ("services", "change_servicetype"),
        ("services", "add_checklistitem"),
        ("clusters", "change_cluster"),
        ("clusters", "add_indicatorset"),
        ("clusters", "change_indicator"),
        ("scoring", "view_scoringpolicy"),
    } <= perms
    assert not {p for p in perms if p[1].startswith("delete_")}
    assert not {p for p in perms if p[0] == "scoring" and not p[1].startswith("view_")}
    assert not {p for p in perms if p[0] in ("accounts", "auth", "services") and "site" in p[1]}


def test_provincial_staff_open_the_catalogue_in_the_admin(client, provinsi):
    client.force_login(provinsi)
    stype = ServiceType.objects.get(code="posyandu")
    cluster = Cluster.objects.get(code="III")
    indicators = IndicatorSet.objects.first()

    assert client.get("/admin/").status_code == 200
    for path in (
        "/admin/services/servicetype/",
        f"/admin/services/servicetype/{stype.pk}/change/",
        "/admin/services/servicetype/add/",
        "/admin/clusters/cluster/",
        f"/admin/clusters/cluster/{cluster.pk}/change/",
        "/admin/clusters/indicatorset/",
        f"/admin/clusters/indicatorset/{indicators.pk}/change/",
        "/admin/scoring/scoringpolicy/",
    ):
        assert client.get(path).status_code == 200, path
    # Not theirs: users, sites, regions.
    for path in ("/admin/accounts/user/", "/admin/services/site/", "/admin/regions/region/"):
        assert client.get(path).status_code == 403, path


def test_provincial_staff_change_a_service_type_in_the_admin(client, provinsi):
    client.force_login(provinsi)
    stype = ServiceType.objects.get(code="posyandu")
    page = client.get(f"/admin/services/servicetype/{stype.pk}/change/")
    data = _post_data(page)
    assert any(key.startswith("checklist_items-") for key in data)  # the checklist inline
    data["name"] = "Posyandu (diubah)"

    response = client.post(f"/admin/services/servicetype/{stype.pk}/change/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    stype.refresh_from_db()
    assert stype.name == "Posyandu (diubah)"


def _post_data(page) -> dict:
    """The admin change form's current values, as the browser would post them back."""
    data: dict = {}
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = management[name].value()
        for f in formset.forms:
            for name in f.fields:
                value = f[name].value()
                if value is not None:
                    data[f"{f.prefix}-{name}"] = value
    return data


def test_the_admin_shows_policies_read_only_and_points_to_the_portal(client, provinsi):
    client.force_login(provinsi)
    active = selectors.policy_active()

    page = client.get(f"/admin/scoring/scoringpolicy/{active.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="params"' not in html and "<textarea" not in html
    assert 'name="_save"' not in html
    assert f"/kebijakan-skor/{active.pk}/pratinjau/" in html
    assert "0.45" in html  # the weights in words, not JSON
    assert client.post(f"/admin/scoring/scoringpolicy/{active.pk}/change/", {}).status_code == 403
    assert client.get("/admin/scoring/scoringpolicy/add/").status_code == 403


def test_others_cannot_open_the_admin(client, lurah, sudinkes):
    for user in (lurah, sudinkes):
        client.force_login(user)
        response = client.get("/admin/services/servicetype/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_demo_provincial_login_reaches_the_admin(db, settings):
    from demo.users import demo_users_create

    settings.KALTARA_ALLOW_DEMO = True
    # A demo user made before the rule existed is brought in line too.
    make_user("provinsi", Role.PROVINSI, "31")
    User.objects.filter(username="provinsi").update(is_staff=False)
    Group.objects.get(name=PROVINCIAL_STAFF_GROUP).user_set.clear()

    demo_users_create()

    demo = User.objects.get(username="provinsi")
    assert demo.is_staff and demo.groups.filter(name=PROVINCIAL_STAFF_GROUP).exists()
    assert not User.objects.get(username="lurah.rawabunga").is_staff


def test_bulk_writes_of_assignments_follow_the_role_too(lurah, camat):
    Assignment.objects.bulk_create([Assignment(user=lurah, role=Role.PROVINSI, region_id="31")])
    assert User.objects.get(pk=lurah.pk).is_staff

    Assignment.objects.filter(user=camat).update(role=Role.PROVINSI, region_id="31")
    assert User.objects.get(pk=camat.pk).is_staff

    Assignment.objects.filter(user=camat).update(role=Role.CAMAT, region_id="31.75.03")
    camat.refresh_from_db()
    assert not camat.is_staff and not camat.groups.exists()


def test_the_admin_names_its_apps_and_models_in_the_active_language(client, provinsi):
    client.force_login(provinsi)

    indonesian = client.get("/admin/").content.decode()
    for name in ("Klaster dan jenis layanan", "Situs layanan", "Skor integrasi"):
        assert name in indonesian
    assert "Clusters" not in indonesian and "Services" not in indonesian

    client.cookies["django_language"] = "en"
    english = client.get("/admin/").content.decode()
    for name in ("Clusters and service types", "Service sites", "Integration score"):
        assert name in english
