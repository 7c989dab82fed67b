# An S3-compatible store: moto in server mode (in memory: its buckets last as long as the container).
# Build: infra/images/build.sh
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/moto \
 && /opt/moto/bin/pip install --no-cache-dir 'moto[server]==5.2.6' \
 && useradd --system --no-create-home moto

ENV PATH=/opt/moto/bin:$PATH
USER moto
EXPOSE 9000
CMD ["moto_server", "--host", "0.0.0.0", "--port", "9000"]
