"""The confirm: a plan without errors written in one transaction through the site write functions.

Going through sites.services means history and signals happen exactly as for a form, and any
refusal rolls back every row.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import services as site_services
from .fileformat import COLUMNS
from .planning import Plan
from .reading import Issue


class ApplyFailed(Exception):
    def __init__(self, issue: Issue):
        self.issue = issue
        super().__init__(issue.message)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def apply_plan(user, plan: Plan) -> dict[str, int]:
    """Write the plan in one transaction through the site write functions.

    Any refusal (someone saved a site meanwhile, a right withdrawn) rolls everything
    back and raises ApplyFailed naming the row.
    """
    if plan.errors:
        raise ValueError("a plan with errors cannot be applied")
    with transaction.atomic():
        for change in plan.changes:
            try:
                site, version = change.site, change.version
                if change.data:
                    site = site_services.site_update(
                        user=user,
                        site=site,
                        version=version,
                        data={
                            **change.data,
                            "confirm_duplicate": True,
                            "reason": _("Diubah lewat unggahan Excel (baris %(row)s).")
                            % {"row": change.row},
                        },
                    )
                    version = site.version
                if change.close:
                    site_services.site_close(
                        user=user,
                        site=site,
                        version=version,
                        reason=_("Ditutup lewat unggahan Excel (baris %(row)s).")
                        % {"row": change.row},
                    )
            except site_services.StaleEdit as exc:
                raise ApplyFailed(
                    Issue(
                        change.row,
                        COLUMNS["version"],
                        _("Situs %(name)s baru saja diubah orang lain. Unduh ulang berkasnya.")
                        % {"name": exc.site.name},
                    )
                ) from exc
            except (ValidationError, PermissionDenied) as exc:
                raise ApplyFailed(Issue(change.row, "", _message(exc))) from exc
        for add in plan.adds:
            try:
                site_services.site_create(user=user, data={**add.data, "confirm_duplicate": True})
            except (ValidationError, PermissionDenied) as exc:
                raise ApplyFailed(Issue(add.row, "", _message(exc))) from exc
    return {"added": len(plan.adds), "changed": len(plan.updates), "closed": len(plan.closes)}
