# Production image for web, worker and beat (see docker-compose.yml).
FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir --require-hashes --only-binary=:all: -r requirements.txt
COPY . .
COPY --from=frontend /app/node_modules ./node_modules
RUN DEBUG=true python manage.py compilemessages --ignore=node_modules -v0 \
    && DEBUG=false SECRET_KEY=build-only python manage.py collectstatic --noinput -v0
RUN useradd --create-home app && mkdir -p /app/media /app/proxy-errors \
    && chown app /app/media /app/proxy-errors
USER app
EXPOSE 8000
CMD ["gunicorn", "strategy_tracker.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
