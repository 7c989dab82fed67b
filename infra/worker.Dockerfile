# The project's image: the worker of the compose stack (`lbi deploy --file /app/prefect.yaml` registers
# prefect.yaml's deployments and runs them). Built by infra/images/build.sh, which stages the context:
# the project's files and wheels/ (the wheels this machine keeps for pip, e.g. torch's CPU build; may be empty).
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3-venv ca-certificates bubblewrap sqlite3-doc git make \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/lbi \
 && useradd --system --home-dir /var/lib/lbi --create-home lbi

# The dependencies first, as their own layer: a change to the code alone does not reinstall them.
COPY wheels /tmp/wheels
COPY pyproject.toml /app/
RUN /opt/lbi/bin/python -c "import tomllib; print('\n'.join(tomllib.load(open('/app/pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && /opt/lbi/bin/pip install --no-cache-dir --find-links /tmp/wheels -r /tmp/requirements.txt \
 && rm -rf /tmp/wheels /tmp/requirements.txt

COPY README.md prefect.yaml /app/
COPY lbi /app/lbi
COPY flows /app/flows
COPY tasks /app/tasks
COPY db /app/db
RUN /opt/lbi/bin/pip install --no-cache-dir --no-deps /app

ENV PATH=/opt/lbi/bin:$PATH \
    LBI_MIGRATIONS_DIR=/app/db/migrations \
    LBI_HOME=/var/lib/lbi
WORKDIR /var/lib/lbi
USER lbi
CMD ["lbi", "deploy", "--file", "/app/prefect.yaml"]
