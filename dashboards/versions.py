"""The version of the score data: what the provincial pages' cached parts are keyed by.

The dashboards, rankings and choropleth change only when scores, kawasan, sites or the
catalogue change, and are read far more often: their fragments are cached under keys made
of such versions (see web.fragments), and the versions of each page's own parts are next to
its reads (area.area_region, sector.sector_version).
"""

from django.db.models import F

from kawasan.models import Kawasan
from scoring.models import ScoreSnapshot, ScoringPolicy
from sites.models import ServiceType
from web.fragments import Signature, fingerprint, row_compiled_once, signature

# Which sector answers for each service type: a type moved to another sector (in the admin)
# moves private sites into or out of a sector grant's sight, so the versions move with it.
SECTOR_PART = ("SUM", F("pk") * F("sector_id"))


def data_version_signature() -> Signature:
    """One text value that versions the score data (for annotate()).

    The active policy, the stored scores, the kawasan, the monthly snapshots and the
    service-type catalogue. Every recompute stamps computed_at on the rows it stores;
    creating, editing or deleting a kawasan moves its count, id sum or updated_at; a
    snapshot run adds rows.
    """
    count = ("COUNT", "pk")
    # A score belongs to one kawasan, a cluster row to one type: one join reads both.
    return Signature(
        (None, signature(ScoringPolicy.objects.filter(is_active=True), ("MAX", "version"))),
        (
            None,
            signature(
                Kawasan.objects.all(),
                count,
                ("MAX", "updated_at"),
                ("SUM", "pk"),
                ("COUNT", "score__pk"),
                ("MAX", "score__computed_at"),
            ),
        ),
        (None, signature(ScoreSnapshot.objects.all(), count, ("MAX", "created_at"))),
        (None, signature(ServiceType.objects.all(), count, ("COUNT", "clusters__pk"), SECTOR_PART)),
    )


def data_version() -> str:
    """The version of the score data (see data_version_signature), in one query."""

    def build():
        return (
            ScoringPolicy.objects.filter(is_active=True)
            .order_by()
            .annotate(_v=data_version_signature())
            .values_list("_v")[:1]
        )

    row = row_compiled_once(("data_version",), build)
    return fingerprint(row[0]) if row else "no-policy"
