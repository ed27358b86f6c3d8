# FTZ Facts as a container image: `docker build -t ftz-bot .`, run it as in compose.yaml (docs/deployment.md).
# The token and every other setting come from the environment only; the question log lives on the /data volume.
# Checked by `make test`: hadolint lints this file, and tests/test_deployment.py runs its exact ENTRYPOINT, CMD
# and HEALTHCHECK commands outside a container (no container engine runs on the development machines).

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install --no-cache-dir --no-compile --prefix=/install .

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BOT_DB_PATH=/data/questions.sqlite3 \
    WEBHOOK_LISTEN=0.0.0.0:8080 \
    METRICS_LISTEN=0.0.0.0:9090
COPY --from=build /install /usr/local
# A dedicated user without a shell or a home of its own; it owns only the data directory.
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin ftz \
    && mkdir /data && chown ftz:ftz /data
# An empty working directory, so no stray .env file is ever read from it.
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
# 8080: the webhook (behind the reverse proxy; unused in polling mode). 9090: /healthz and /metrics, never public.
EXPOSE 8080 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-m", "bot.healthcheck"]
# SIGTERM stops the bot within Docker's 10 s grace (polling: about 4 s at most; webhook: 6 s for deliveries in
# progress). The exec form keeps ftz-bot as PID 1, so the signal reaches it.
STOPSIGNAL SIGTERM
ENTRYPOINT ["ftz-bot"]
CMD ["run"]
