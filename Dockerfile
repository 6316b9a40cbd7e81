# Radicular pathway CDS Hooks service: gunicorn behind `radicular-cds serve`, running as a non-root user.
#
# The build never reaches a package index: it installs from a wheelhouse built beforehand on the host,
# with wheels for the base image's Python. The dependencies are exactly those pinned in
# requirements.lock (copied into the wheelhouse), every file checked against the lock's hashes:
#     scripts/container/wheelhouse --python 3.12     (same as `pip wheel . -w wheelhouse/` on a 3.12 host)
#     docker build -t radicular-cds .                 (or: podman build --format docker -t radicular-cds .)
# --build-arg OFFLINE=0 lets pip fetch from the index whatever the wheelhouse lacks.
# BASE may be any Debian-like image with python3 and its venv module, e.g. a local debootstrap base where
# no registry is reachable (scripts/container/make-base; scripts/container-smoke builds it that way):
#     --build-arg BASE=localhost/radicular-base:bookworm   (Python 3.11: scripts/container/wheelhouse --python 3.11)
ARG BASE=python:3.12-slim

# ---- build stage: a virtualenv holding the service and its dependencies, from the wheelhouse only ----
FROM ${BASE} AS build
ARG OFFLINE=1
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
COPY wheelhouse/ /tmp/wheelhouse/
RUN set -eu; \
    if [ "$OFFLINE" = "1" ]; then index_opt="--no-index"; else index_opt=""; fi; \
    python3 -m venv /opt/venv; \
    /opt/venv/bin/python -m pip install $index_opt --find-links /tmp/wheelhouse \
        --require-hashes --only-binary=:all: -r /tmp/wheelhouse/requirements.lock; \
    /opt/venv/bin/python -m pip install --no-index --no-deps /tmp/wheelhouse/radicular_cds-*.whl; \
    /opt/venv/bin/python -m pip check; \
    /opt/venv/bin/python -m pip uninstall --yes pip; \
    /opt/venv/bin/python -c "import cds_service, hooks"; \
    /opt/venv/bin/radicular-cds --help >/dev/null

# ---- runtime stage: the base plus the virtualenv; no compilers, no pip, no wheelhouse ----
FROM ${BASE} AS runtime
ARG APP_UID=10001
ARG APP_GID=10001
RUN set -eu; \
    groupadd --system --gid "$APP_GID" cds; \
    useradd --system --no-log-init --uid "$APP_UID" --gid cds --home-dir /var/lib/radicular-cds \
        --shell /usr/sbin/nologin cds; \
    install -d -o cds -g cds -m 0750 /var/lib/radicular-cds
COPY --from=build /opt/venv /opt/venv

# State (SQLite, WAL) lives in a directory owned by the service user; mount a volume there to keep it,
# or set CDS_DATABASE_URL to a PostgreSQL URL for several replicas.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LANG=C.UTF-8 \
    CDS_DATABASE_URL=sqlite:////var/lib/radicular-cds/radicular-cds.sqlite3 \
    CDS_PORT=8080
VOLUME ["/var/lib/radicular-cds"]
WORKDIR /var/lib/radicular-cds
USER ${APP_UID}:${APP_GID}
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('CDS_PORT', '8080'), timeout=4).read()"]

ENTRYPOINT ["radicular-cds"]
CMD ["serve"]
