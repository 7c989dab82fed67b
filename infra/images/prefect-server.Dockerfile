# The Prefect server with the pins of pyproject.toml: Prefect 3.8.8, SQLAlchemy below 2.1 (its scheduler
# makes no run on 2.1), FastAPI 0.150.0 (later ones refuse Prefect's Body(min_items=...) at import).
# Build: infra/images/build.sh
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/prefect \
 && /opt/prefect/bin/pip install --no-cache-dir prefect==3.8.8 'sqlalchemy>=2.0,<2.1' fastapi==0.150.0 \
 && useradd --system --home-dir /var/lib/prefect --create-home prefect

ENV PATH=/opt/prefect/bin:$PATH \
    PREFECT_HOME=/var/lib/prefect \
    PREFECT_SERVER_ANALYTICS_ENABLED=false
USER prefect
EXPOSE 4200
CMD ["prefect", "server", "start", "--host", "0.0.0.0"]
