from django.conf import settings


def portal(request):
    # An empty KALTARA_TILE_URL means a closed network: maps draw vectors only.
    return {
        "tiles_config": {
            "url": settings.KALTARA_TILE_URL,
            "attribution": settings.KALTARA_TILE_ATTRIBUTION,
        }
    }
