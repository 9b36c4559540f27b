# webinar-bot: docker build -t webinar-bot .
# docker run -d --name webinar-bot --env-file .env -v webinar-data:/data \
#   -v "$PWD/series.toml:/config/series.toml:ro" -p 127.0.0.1:8443:8443 webinar-bot
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=/data/webinar-bot.sqlite3 \
    SERIES_FILE=/config/series.toml \
    WEBHOOK_LISTEN=0.0.0.0 \
    WEBHOOK_PORT=8443

WORKDIR /app
# Everything .dockerignore lets through: pyproject.toml, README.md and the packages it lists.
COPY . .
RUN pip install . \
    && groupadd --system --gid 10001 webinar \
    && useradd --system --uid 10001 --gid webinar --home-dir /data --shell /usr/sbin/nologin webinar \
    && mkdir -p /data /config \
    && chown webinar:webinar /data

USER webinar
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8443

# In webhook mode (WEBHOOK_URL set) or with HEALTH_PORT, asks GET /healthz; otherwise exits 0.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["webinar-bot", "healthcheck", "--timeout", "8"]

STOPSIGNAL SIGTERM
CMD ["webinar-bot", "run", "--require-token"]
