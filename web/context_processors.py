from django.conf import settings


def portal(request):
    # An empty KALTARA_TILE_URL means a closed network: maps draw vectors only.
    # (The navigation's links come from the main_nav tag in kaltara/templatetags/portal.py.)
    return {
        "tiles_config": {
            "url": settings.KALTARA_TILE_URL,
            "attribution": settings.KALTARA_TILE_ATTRIBUTION,
        },
    }


def csp_nonce(request):
    # Lazy: the nonce is made (and added to the header) only if a template prints it.
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
