from django.conf import settings


def portal(request):
    from accounts import scoping

    user = getattr(request, "user", None)
    # An empty KALTARA_TILE_URL means a closed network: maps draw vectors only.
    return {
        # Lazy: grants are read once per request and usually already cached by the view.
        "nav_may_review": lambda: bool(user and scoping.grants_with(user, scoping.Right.REVIEW)),
        "nav_is_provincial": lambda: bool(user and scoping.is_provincial(user)),
        "nav_may_export": lambda: bool(
            user and scoping.grants_with(user, scoping.Right.SEE_PRIVATE)
        ),
        "nav_is_sudin": lambda: bool(
            user and any(g.sector_id is not None for g in scoping.grants_for(user))
        ),
        "tiles_config": {
            "url": settings.KALTARA_TILE_URL,
            "attribution": settings.KALTARA_TILE_ATTRIBUTION,
        },
    }


def csp_nonce(request):
    # Lazy: the nonce is made (and added to the header) only if a template prints it.
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
