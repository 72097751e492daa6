# One image for the three services; the command picks the service.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PODIUM_HOST=0.0.0.0 PODIUM_LOG_JSON=true
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
RUN pip install --no-cache-dir .
USER nobody
CMD ["python", "-m", "services.broadcast"]
