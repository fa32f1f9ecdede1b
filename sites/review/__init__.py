"""The review workflow of sites, one module per part, each importing only those listed before it:

    selectors    who may review what; a site's checklist and what stops its submission; the
                 open pending change and its proposed values (reads only)
    transitions  the states and the steps between them: submit, verify, return, re-verify
    pending      pending changes of verified sites: propose, diff, approve, return
    checklists   the lurah's checklist answers: saved at once, or proposed on a verified site
    queue        the officer's review queue and the bulk verification
    freshness    stale sites: verified longer ago than the freshness window
    reminders    the periodic stale and overdue reminders
    views        the review pages

States (ReviewState): a site is *registered* (a known facility, imported or entered, not yet
assessed) or a *draft*; a lurah or camat fills its checklist and *submits* it; an officer of
the site's sector in the site's kota *verifies* it or *returns* it with a reason; a returned
site is fixed and submitted again (transitions.TRANSITIONS). Once verified, edits of the
reviewed fields wait in a pending change (pending.py).

A site with types of two sectors (an RPTRA that is also a posyandu) has one review state,
and any officer whose sector has one of its types may verify or return it: the first one
to act decides, the others see the result. Confirming the checklist stays per sector: an
officer confirms only the items of their own sector's types, so the record shows which
roles were actually checked. Confirming is a decision: nothing is confirmed until the officer
ticks it (or confirms all met items), an item answered "belum terpenuhi" or not answered is
never confirmed as met, and a bulk verify leaves out a site with unmet items unless the
officer, asked again with those items listed, includes it.
"""
