#!/usr/bin/env bash
# The topology of deploy/helm without Kubernetes: the connector's gRPC code server, dagster-daemon and
# dagster-webserver as three processes sharing the PostgreSQL instance of deploy/processes/dagster.yaml.
# Runs until one of them exits or it is stopped (Ctrl-C, SIGTERM), then stops the other two.
#
# Needs, in the environment: DAGSTER_HOME (the instance folder: this script installs dagster.yaml there),
# DAGSTER_PG_HOST, DAGSTER_PG_PORT, DAGSTER_PG_USER, DAGSTER_PG_PASSWORD, DAGSTER_PG_DB (Dagster's database),
# ML_CONNECTOR_DATABASE_URL and ML_CONNECTOR_MASTER_KEY (the connector's store). Optional, with defaults:
# ML_CONNECTOR_CODE_SERVER_HOST (127.0.0.1), ML_CONNECTOR_CODE_SERVER_PORT (4000),
# ML_CONNECTOR_WEBSERVER_HOST (127.0.0.1), ML_CONNECTOR_WEBSERVER_PORT (3000).
# The `dagster`, `dagster-daemon` and `dagster-webserver` commands are the ones on PATH (the project's .venv/bin).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
required=(DAGSTER_HOME DAGSTER_PG_HOST DAGSTER_PG_PORT DAGSTER_PG_USER DAGSTER_PG_PASSWORD DAGSTER_PG_DB
  ML_CONNECTOR_DATABASE_URL ML_CONNECTOR_MASTER_KEY)
for name in "${required[@]}"; do
  if [[ ! -v $name ]]; then
    echo "Error: $name is not set; docs/deployment.md ('Without Kubernetes') lists what to set." >&2
    exit 1
  fi
done
export ML_CONNECTOR_CODE_SERVER_HOST="${ML_CONNECTOR_CODE_SERVER_HOST:-127.0.0.1}"
export ML_CONNECTOR_CODE_SERVER_PORT="${ML_CONNECTOR_CODE_SERVER_PORT:-4000}"
webserver_host="${ML_CONNECTOR_WEBSERVER_HOST:-127.0.0.1}"
webserver_port="${ML_CONNECTOR_WEBSERVER_PORT:-3000}"

mkdir -p "$DAGSTER_HOME"
cp "$here/dagster.yaml" "$DAGSTER_HOME/dagster.yaml"

pids=()
# SIGTERM to each process, SIGKILL to any still running 20 s later.
stop() {
  trap - EXIT TERM INT
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in {1..20}; do
    [[ -n "$(jobs -pr)" ]] || break
    sleep 1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# The same module and port as the container image's command and the Helm user deployment.
dagster api grpc -m ml_connector_dagster.definitions \
  -h "$ML_CONNECTOR_CODE_SERVER_HOST" -p "$ML_CONNECTOR_CODE_SERVER_PORT" &
pids+=($!)

# The daemon and the webserver load the location from the code server: start them once it answers.
until dagster api grpc-health-check -h "$ML_CONNECTOR_CODE_SERVER_HOST" -p "$ML_CONNECTOR_CODE_SERVER_PORT" \
  >/dev/null 2>&1; do
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "Error: the code server exited before it answered; its output is above." >&2
    exit 1
  fi
  sleep 1
done

dagster-daemon run -w "$here/workspace.yaml" &
pids+=($!)
dagster-webserver -w "$here/workspace.yaml" -h "$webserver_host" -p "$webserver_port" &
pids+=($!)

status=0
wait -n || status=$?
echo "A process of the topology exited (status $status); stopping the others." >&2
exit "$status"
