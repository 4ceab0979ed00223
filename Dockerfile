# syntax=docker/dockerfile:1
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_PATH=/data/bot.sqlite3

RUN useradd --create-home --uid 10001 bot \
    && mkdir -p /data && chown bot:bot /data

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so code changes reuse this layer.
COPY pyproject.toml ./
RUN python -c "import subprocess, sys, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
subprocess.check_call([sys.executable, '-m', 'pip', 'install', *deps])"

COPY README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install --no-deps .

USER bot
VOLUME ["/data"]
# Passes while HEALTH_PORT is unset (health off); otherwise GET /healthz must answer 200.
# Python, not curl: the slim image has no curl (see README, "Health and metrics").
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["python", "-m", "bot.ops.probe"]
# docker stop sends SIGTERM: the bot finishes closing and exits 0.
CMD ["python", "-m", "bot"]
