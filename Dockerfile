# One image for the three services; the command picks the service.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PODIUM_HOST=0.0.0.0 PODIUM_LOG_JSON=true
WORKDIR /app
# Broadcast's PDFs and share cards embed Noto Sans CJK SC (services/broadcast/media/fonts.py);
# `podium backup` and `podium restore` run pg_dump and pg_restore (PostgreSQL 15's client).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*
# Exactly the tested versions, each file checked against its hash (requirements.lock), then
# Podium itself with nothing more.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
RUN pip install --no-cache-dir --no-deps --no-build-isolation .
# The compose file's backup volume starts as a copy of this folder, so nobody may write it.
RUN mkdir /backups && chown nobody:nogroup /backups
USER nobody
CMD ["python", "-m", "services.broadcast"]
