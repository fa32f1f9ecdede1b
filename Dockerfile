# The portal image: Debian's Python (it loads SpatiaLite) with GDAL, GEOS and PROJ.
FROM debian:bookworm-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-dev gcc \
      gdal-bin libgdal-dev libsqlite3-mod-spatialite gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN python3 -m venv /venv && /venv/bin/pip install --no-cache-dir -e . \
 && /venv/bin/python manage.py compilemessages -v0 --ignore=var
ENV PATH=/venv/bin:$PATH DJANGO_SETTINGS_MODULE=kaltara.settings_production
RUN DJANGO_SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-xx \
    DATABASE_URL=postgis://build@localhost/build CELERY_BROKER_URL=redis://localhost \
    python manage.py collectstatic --noinput -v0
RUN useradd --system --uid 1000 kaltara && mkdir -p /app/var/media && chown -R kaltara /app/var
USER kaltara
EXPOSE 8000
CMD ["gunicorn", "kaltara.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
