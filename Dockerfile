# The tether server as a container image (docs/operations.md). Build from a checkout:
#   docker build -t tether .
#   docker run -d --name tether -p 8443:8443 -v tether-data:/var/lib/tether tether \
#       --listen 0.0.0.0:8443 --public-url https://relay.example:8443
# Everything the server keeps (database on SQLite, secret.key, tls/, recordings, admin-credentials.json) is in the
# volume /var/lib/tether; with PostgreSQL see docs/examples/compose.yaml.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY tether ./tether
# the same install prefix as the systemd units: a venv in /opt/tether (every dependency ships as a wheel)
RUN python3 -m venv /opt/tether \
    && /opt/tether/bin/pip install --no-cache-dir --disable-pip-version-check . \
    && /opt/tether/bin/tether --version

FROM ${BASE_IMAGE}
RUN groupadd --system --gid 10001 tether \
    && useradd --system --uid 10001 --gid tether --home-dir /var/lib/tether --shell /usr/sbin/nologin tether \
    && install -d -o tether -g tether -m 0700 /var/lib/tether
COPY --from=build /opt/tether /opt/tether
ENV PATH=/opt/tether/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    TETHER_HEALTHCHECK_URL=https://127.0.0.1:8443/healthz
USER tether
WORKDIR /var/lib/tether
VOLUME ["/var/lib/tether"]
EXPOSE 8443
# liveness over loopback inside the container: the certificate is not checked here (the built-in CA's certificate
# names the public name, and this probe asks only whether the process serves). Behind --no-tls set
# TETHER_HEALTHCHECK_URL=http://127.0.0.1:PORT/healthz; another port: change the URL.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python3", "-c", "import os, ssl, urllib.request; urllib.request.urlopen(os.environ['TETHER_HEALTHCHECK_URL'], timeout=4, context=ssl._create_unverified_context())"]
# SIGTERM drains (sessions get 30 s): give `docker stop` more than that, e.g. docker stop -t 60
STOPSIGNAL SIGTERM
ENTRYPOINT ["tether", "server", "--data-dir", "/var/lib/tether"]
CMD ["--listen", "0.0.0.0:8443"]
