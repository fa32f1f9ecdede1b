"""A small scored world for the policy pages: four kawasan in three kelurahan of two kota.

Rawa Bunga (Jakarta Timur) holds a verified, linked kawasan and a registered one; Kampung
Melayu (Jakarta Timur) a registered one; Menteng (Jakarta Pusat) a verified one. Scores are
stored under the active policy ("kaltara-1"), as after a nightly run.
"""

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from kawasan.models import Kawasan
from scoring import services
from scoring.policy import DEFAULT_POLICY, Policy, policy_to_dict
from scoring.services import DRAIN_SCHEDULED_KEY
from tests.factories import KAMPUNG_MELAYU, MENTENG, RAWA_BUNGA
from tests.scoring.conftest import make_kawasan, make_link, make_site


@pytest.fixture(autouse=True)
def _drain_flag_cleared():
    # The flag lives in the cache, outside the test transaction (tests/scoring/conftest.py).
    cache.delete(DRAIN_SCHEDULED_KEY)
    yield
    cache.delete(DRAIN_SCHEDULED_KEY)


@dataclass
class World:
    rb_verified: Kawasan
    rb_registered: Kawasan
    km: Kawasan
    menteng: Kawasan

    @property
    def kawasans(self) -> list[Kawasan]:
        return [self.rb_verified, self.rb_registered, self.km, self.menteng]


def _verified(*types, kelurahan=RAWA_BUNGA, north_m=0.0):
    return make_site(
        *types,
        kelurahan=kelurahan,
        north_m=north_m,
        review_state="verified",
        verified_at=timezone.now() - timedelta(days=10),
    )


@pytest.fixture
def world(db) -> World:
    hub = _verified("rptra")
    members = [
        _verified("perpustakaan", north_m=200),
        _verified("puskesmas", north_m=400),
        _verified("sd", north_m=600),
        _verified("pos-pengaduan", north_m=1500),  # beyond the walking distance
    ]
    rb_verified = make_kawasan([hub, *members], hub=hub, name="Kawasan Terverifikasi RB")
    make_link(hub, members[1])
    make_link(hub, members[2])
    rptra = make_site("rptra", north_m=50)
    rb_registered = make_kawasan(
        [rptra, make_site("posyandu", north_m=100)], hub=rptra, name="Kawasan Terdaftar RB"
    )
    km_hub = make_site("puskesmas", kelurahan=KAMPUNG_MELAYU)
    km = make_kawasan(
        [km_hub, make_site("sd", kelurahan=KAMPUNG_MELAYU, north_m=100)],
        hub=km_hub,
        region=KAMPUNG_MELAYU,
        name="Kawasan KM",
    )
    m_hub = _verified("rptra", kelurahan=MENTENG)
    menteng = make_kawasan(
        [m_hub, _verified("sd", kelurahan=MENTENG, north_m=300)],
        hub=m_hub,
        region=MENTENG,
        name="Kawasan Menteng",
    )
    services.scores_recompute()
    return World(rb_verified, rb_registered, km, menteng)


def draft_policy(**changes) -> Policy:
    """DEFAULT_POLICY with changes: freshness weighs more, which lifts verified kawasan and
    lowers registered ones (unless changes say otherwise)."""
    weights = {
        "weight_coverage": 0.25,
        "weight_connectivity": 0.25,
        "weight_proximity": 0.15,
        "weight_freshness": 0.35,
    }
    return replace(DEFAULT_POLICY, **{"version": "uji", **weights, **changes})


def form_data(policy: Policy = DEFAULT_POLICY, *, name="Draf uji", **overrides) -> dict:
    """The policy form's POST data for `policy` (types it does not expect left empty)."""
    data = {
        "name": name,
        "weight_coverage": str(policy.weight_coverage),
        "weight_connectivity": str(policy.weight_connectivity),
        "weight_proximity": str(policy.weight_proximity),
        "weight_freshness": str(policy.weight_freshness),
        "hub_distance_m": str(round(policy.hub_distance_m)),
        "freshness_days": str(policy.freshness_days),
    }
    for cluster, items in policy.expected.items():
        for code, req in items:
            data[f"expected__{cluster}__{code}"] = str(req)
    data.update({k: str(v) for k, v in overrides.items()})
    return data


def params(policy: Policy) -> dict:
    return policy_to_dict(policy)
