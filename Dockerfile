# One image for the portal and the four services; docker-compose.yml runs each as `python -m <service>`
# and the one-shot `penghubung migrate && penghubung bootstrap` before them.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The pinned dependencies first: this layer is rebuilt only when the lock file changes.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY pyproject.toml ./
COPY libs ./libs
COPY services ./services
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin penghubung

USER penghubung
EXPOSE 8080 8001 8002 8003 8004
CMD ["penghubung", "--help"]
