# The project's image: runs `lbi serve` (deployments with their schedules) against the compose stack.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap sqlite3-doc git make \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/lbi
COPY pyproject.toml README.md ./
COPY lbi ./lbi
COPY flows ./flows
COPY tasks ./tasks
COPY db ./db
RUN pip install --no-cache-dir .

ENV LBI_MIGRATIONS_DIR=/opt/lbi/db/migrations \
    LBI_HOME=/var/lib/lbi
USER nobody
CMD ["lbi", "serve"]
