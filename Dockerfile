# webinar-bot: docker build -t webinar-bot .
# docker run -d --name webinar-bot --env-file .env -v webinar-data:/data \
#   -v "$PWD/series.toml:/config/series.toml:ro" -p 127.0.0.1:8443:8443 webinar-bot
# The base image by digest (python:3.11.10-slim-bookworm, the multi-platform index), so a
# rebuild gets the same bytes; to move on, update the tag and digest together.
FROM python:3.11.10-slim-bookworm@sha256:5148c0e4bbb64271bca1d3322360ebf4bfb7564507ae32dd639322e4952a6b16

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=/data/webinar-bot.sqlite3 \
    SERIES_FILE=/config/series.toml \
    WEBHOOK_LISTEN=0.0.0.0 \
    WEBHOOK_PORT=8443 \
    HEALTH_PORT=8080

WORKDIR /app
# Exact versions, each checked against its hash, then the bot itself without dependencies.
COPY requirements.lock .
RUN pip install --require-hashes -r requirements.lock
# Everything .dockerignore lets through: pyproject.toml, README.md and the packages it lists.
COPY . .
RUN pip install --no-deps . \
    && groupadd --system --gid 10001 webinar \
    && useradd --system --uid 10001 --gid webinar --home-dir /data --shell /usr/sbin/nologin webinar \
    && mkdir -p /data /config \
    && chown webinar:webinar /data

USER webinar
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8443

# Asks GET /healthz: on WEBHOOK_PORT in webhook mode, else on HEALTH_PORT (long polling);
# exits non-zero when nothing answers.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["webinar-bot", "healthcheck", "--timeout", "8"]

STOPSIGNAL SIGTERM
CMD ["webinar-bot", "run", "--require-token"]
