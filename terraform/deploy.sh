#!/bin/bash
# The app servers' first boot: node_exporter, Docker and compose, registry login, the compose
# file in /app, pull, up -d, prune, logout. Rendered by templatefile() (main.tf): a doubled
# dollar before a brace is left for bash. No secret is in here: they are read at run time from
# SSM and Secrets Manager with the instance role. It installs /usr/local/sbin/ecommerce-deploy,
# which starts the release's images (part of this user data: a release is new servers; README.md,
# "How a release reaches the servers").
set -euo pipefail
exec >>/var/log/user-data.log 2>&1
umask 022

log() { echo "[$(date '+%Y-%m-%d %H:%M:%S')] $*" >&2; }
retry() {
  local attempt=1
  until "$@"; do
    if [ "$attempt" -ge 5 ]; then
      log "giving up after $attempt attempts: $*"
      return 1
    fi
    log "attempt $attempt failed, retrying: $*"
    sleep $((attempt * 10))
    attempt=$((attempt + 1))
  done
}

# IMDSv2 (the only kind the instance accepts): a session token first.
imds() {
  local token
  token="$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')"
  curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}

export DEBIAN_FRONTEND=noninteractive
log "Updating the package index"
retry apt-get update -q

################################################################################
# 1. node_exporter, from Ubuntu's archive (signed, versioned with the release)
################################################################################
log "Installing node_exporter"
retry apt-get install -y -q --no-install-recommends prometheus-node-exporter
private_ip="$(retry imds local-ipv4)"
# Listen on the private address only (not on Docker's bridges); the security group lets only
# the monitoring server reach 9100.
cat >/etc/default/prometheus-node-exporter <<ENV
ARGS="--web.listen-address=$private_ip:9100 --collector.systemd"
ENV
systemctl enable prometheus-node-exporter
systemctl restart prometheus-node-exporter
log "node_exporter listening on $private_ip:9100"

################################################################################
# 2. Docker and the compose plugin, from Ubuntu's archive; boto3 to read SSM
################################################################################
log "Installing Docker, the compose plugin and boto3"
retry apt-get install -y -q --no-install-recommends docker.io docker-compose-v2 python3-boto3
systemctl enable --now docker
# Everything here runs as root: no docker group changes (the original project's
# groupadd/newgrp) needed.
docker --version
docker compose version

################################################################################
# 3. Settings (names and ARNs only), the compose file, the deploy step
################################################################################
install -d -m 0755 /etc/ecommerce /usr/local/lib/ecommerce
install -d -m 0750 /app
cat >/etc/ecommerce/deploy.env <<'ENV'
AWS_REGION=${aws_region}
DOCKERHUB_USERNAME=${dockerhub_username}
DOCKERHUB_PASSWORD_PARAMETER=${dockerhub_password_parameter}
BACKEND_IMAGE=${release_backend_image}
FRONTEND_IMAGE=${release_frontend_image}
DJANGO_SECRET_KEY_PARAMETER=${django_secret_key_parameter}
CARD_FINGERPRINT_KEY_PARAMETER=${card_fingerprint_key_parameter}
ALLOWED_HOSTS_PARAMETER=${allowed_hosts_parameter}
DB_SECRET_ARN=${db_secret_arn}
DB_HOST=${rds_endpoint}
DB_PORT=${db_port}
DB_NAME=${db_name}
APP_DB_USER=${db_app_user}
APP_DB_PASSWORD_PARAMETER=${db_app_password_parameter}
APP_DB_CONNECTION_LIMIT=${db_app_connection_limit}
HEALTH_CHECK_URL=http://127.0.0.1:3000${health_check_path}
ENV
chmod 0644 /etc/ecommerce/deploy.env

log "Writing the compose template (ecommerce-deploy renders /app/docker-compose.yml from it)"
# Quoted delimiter: written byte for byte, bash expands nothing in it. Its __BACKEND_IMAGE__ and
# __FRONTEND_IMAGE__ are filled in from deploy.env, __ALLOWED_HOSTS__ from SSM.
cat >/etc/ecommerce/docker-compose.template.yml <<'COMPOSE_EOF'
${docker_compose}
COMPOSE_EOF

# Reads the deploy settings and secrets with the instance role and writes
# /app/docker-compose.yml (the template with the images and host names) and /app/backend.env
# (0600, the backend's env_file). Exit status 3 says something changed. Two modes: "deploy"
# (ecommerce-deploy) takes the release's images from deploy.env; "refresh" (the secrets timer)
# keeps the images this server's containers run.
cat >/usr/local/lib/ecommerce/render_env.py <<'PY'
"""Render /app/docker-compose.yml and /app/backend.env from SSM and Secrets Manager."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import boto3

region = os.environ["AWS_REGION"]
ssm = boto3.client("ssm", region_name=region)
# Overridable for the tests, which run this against a local SSM stand-in.
APP_DIR = os.environ.get("ECOMMERCE_APP_DIR", "/app")
TEMPLATE = os.environ.get("ECOMMERCE_COMPOSE_TEMPLATE", "/etc/ecommerce/docker-compose.template.yml")


def parameter(name, optional=False):
    try:
        return ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        if optional:
            return None
        raise


if sys.argv[1:] == ["registry-password"]:
    sys.stdout.write(parameter(os.environ["DOCKERHUB_PASSWORD_PARAMETER"]))
    sys.exit(0)


def db_setup(force):
    """The one-shot step that gives the app its own database role (manage.py
    ensure_app_database_role, run once in the backend image). The only place the master
    credentials go: read here with the instance role, handed to `docker compose run` through its
    environment (never its arguments), gone with the container (--rm). Skipped when this server
    already did it for the same database, role, password version and limit."""
    state_dir = os.environ.get("ECOMMERCE_STATE_DIR", "/var/lib/ecommerce")
    try:
        found = ssm.get_parameter(Name=os.environ["APP_DB_PASSWORD_PARAMETER"], WithDecryption=True)["Parameter"]
    except ssm.exceptions.ParameterNotFound:
        print(
            "db-setup: " + os.environ["APP_DB_PASSWORD_PARAMETER"] + " does not exist: the deploy workflow's "
            "app-secrets step creates it (list it in its parameters), then deploy again",
            file=sys.stderr,
        )
        return 2
    marker = "{DB_HOST}:{DB_PORT}/{DB_NAME} role {APP_DB_USER} limit {APP_DB_CONNECTION_LIMIT}".format(**os.environ)
    marker += " password {} version {}\n".format(os.environ["APP_DB_PASSWORD_PARAMETER"], found["Version"])
    done = os.path.join(state_dir, "db-setup.done")
    if not force and os.path.exists(done):
        with open(done, encoding="utf-8") as handle:
            if handle.read() == marker:
                print("db-setup: already done on this server for " + marker.strip(), file=sys.stderr)
                return 0
    master = json.loads(
        boto3.client("secretsmanager", region_name=region)
        .get_secret_value(SecretId=os.environ["DB_SECRET_ARN"])["SecretString"]
    )
    env = dict(os.environ)
    env.update(
        DB_USER=master["username"],
        DB_PASSWORD=master["password"],
        APP_DB_PASSWORD=found["Value"],
        RUN_MIGRATIONS="false",  # the app role migrates afterwards, and owns what it creates
    )
    names = ("DB_USER", "DB_PASSWORD", "APP_DB_USER", "APP_DB_PASSWORD", "APP_DB_CONNECTION_LIMIT", "RUN_MIGRATIONS")
    command = ["docker", "compose", "run", "--rm", "--no-deps", "-T"]
    for name in names:
        command += ["-e", name]  # a name only: compose takes the value from its environment
    command += ["backend", "python", "manage.py", "ensure_app_database_role"]
    print("db-setup: running ensure_app_database_role as the master user, once", file=sys.stderr)
    status = subprocess.run(command, cwd=APP_DIR, env=env, check=False).returncode
    if status != 0:
        print(
            f"db-setup: ensure_app_database_role failed (exit {status}); its message is above. The app "
            "containers were not started with credentials that do not work.",
            file=sys.stderr,
        )
        return status
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    write(done, marker, 0o600)
    return 0

IMAGE = re.compile(r"^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$")
HOSTS = re.compile(r"^[A-Za-z0-9.-]+(,[A-Za-z0-9.-]+)*$")


def checked(name, value, pattern):
    # The value lands in YAML: only what an image reference or host list may hold gets there.
    if not pattern.match(value):
        sys.exit(f"{name} is not valid here: {value!r}")
    return value


def quote(value):
    # Compose reads single-quoted env_file values literally; a value holding a quote is
    # double-quoted with compose's escapes instead.
    if "'" not in value and "\n" not in value:
        return "'" + value + "'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$").replace("\n", "\\n")
    return '"' + escaped + '"'


def write(path, text, mode):
    try:
        with open(path, encoding="utf-8") as handle:
            if handle.read() == text:
                return False
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
    return True


if sys.argv[1:2] == ["db-setup"]:
    if sys.argv[2:] not in ([], ["--force"]):
        sys.exit("usage: render_env.py db-setup [--force]")
    sys.exit(db_setup(force=sys.argv[2:] == ["--force"]))


# Images are started only by ecommerce-deploy, with the release this server was launched with; the
# timer re-renders the secrets around the images the containers already run.
MODE = (sys.argv[1:] or ["deploy"])[0]
if MODE not in ("deploy", "refresh"):
    sys.exit("usage: render_env.py [deploy|refresh|registry-password|db-setup]")
# What this server's containers were last started with: ecommerce-deploy moves the ".next"
# file written here into place just before docker compose up.
IMAGES_STATE = os.environ.get("ECOMMERCE_IMAGES_STATE", "/etc/ecommerce/images.env")


# Terraform writes this parameter before it creates the app groups; a server launched while an
# apply replaces it waits for it.
for _ in range(90):
    allowed_hosts = parameter(os.environ["ALLOWED_HOSTS_PARAMETER"], optional=True)
    if allowed_hosts is not None:
        break
    print("waiting for " + os.environ["ALLOWED_HOSTS_PARAMETER"], file=sys.stderr)
    time.sleep(10)
else:
    sys.exit(os.environ["ALLOWED_HOSTS_PARAMETER"] + " does not exist: apply Terraform")


def running_images():
    try:
        with open(IMAGES_STATE, encoding="utf-8") as handle:
            state = dict(line.rstrip("\n").split("=", 1) for line in handle if "=" in line)
    except FileNotFoundError:
        return None
    return state.get("BACKEND_IMAGE", ""), state.get("FRONTEND_IMAGE", "")


if MODE == "deploy":
    # The release in the launch template version's user data (deploy.env).
    images = (os.environ["BACKEND_IMAGE"], os.environ["FRONTEND_IMAGE"])
else:
    # None before the first deploy started any container: the compose file is left alone.
    images = running_images()
compose = None
if images is not None:
    backend_image = checked("backend image in the user data", images[0], IMAGE)
    frontend_image = checked("frontend image in the user data", images[1], IMAGE)
    with open(TEMPLATE, encoding="utf-8") as handle:
        compose = (
            handle.read()
            .replace("__BACKEND_IMAGE__", backend_image)
            .replace("__FRONTEND_IMAGE__", frontend_image)
            .replace("__ALLOWED_HOSTS__", checked("allowed hosts in SSM", allowed_hosts, HOSTS))
        )
    if MODE == "deploy":
        write(IMAGES_STATE + ".next", f"BACKEND_IMAGE={backend_image}\nFRONTEND_IMAGE={frontend_image}\n", 0o644)

prefix = os.environ["DJANGO_SECRET_KEY_PARAMETER"].rsplit("/", 1)[0]
# The app's own database role and password (db-setup creates the role): never the master's.
backend = {
    "DB_USER": os.environ["APP_DB_USER"],
    "DB_PASSWORD": parameter(os.environ["APP_DB_PASSWORD_PARAMETER"]),
    "DJANGO_SECRET_KEY": parameter(os.environ["DJANGO_SECRET_KEY_PARAMETER"]),
    "CARD_FINGERPRINT_KEY": parameter(os.environ["CARD_FINGERPRINT_KEY_PARAMETER"]),
}
# Optional keys an owner adds by hand as SecureStrings under the same prefix (docs/deploy.md):
# Stripe's, and the token and repository the staff page's retraining dispatches with.
OPTIONAL = (
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "FRAUD_RETRAIN_GITHUB_TOKEN",
    "FRAUD_RETRAIN_GITHUB_REPOSITORY",
)
for key in OPTIONAL:
    value = parameter(prefix + "/" + key.lower(), optional=True)
    if value is not None:
        backend[key] = value

# Non-secret settings Terraform derives (main.tf, backend_settings): DJANGO_HTTPS is true when
# the load balancer has a certificate; the CSRF origins name the shop's domain; FRAUD_SCORING is
# the variable fraud_scoring. Only these names and only such values are taken (a FRAUD_SCORING
# the backend would refuse to start with never reaches it). Absent (an older apply): HTTPS stays
# off and the backend's own default, flag, applies.
SETTINGS = {
    "DJANGO_HTTPS": re.compile(r"^(true|false)$"),
    "DJANGO_CSRF_TRUSTED_ORIGINS": re.compile(r"^(https://[A-Za-z0-9.-]+(,https://[A-Za-z0-9.-]+)*)?$"),
    "FRAUD_SCORING": re.compile(r"^(flag|hold|off)$"),
}
settings_name = os.environ["ALLOWED_HOSTS_PARAMETER"].rsplit("/", 1)[0] + "/backend_settings"
settings = json.loads(parameter(settings_name, optional=True) or "{}")
for key, pattern in SETTINGS.items():
    if key in settings:
        backend[key] = checked(key + " in SSM", str(settings[key]), pattern)

env_text = "".join(f"{key}={quote(value)}\n" for key, value in backend.items())
changed = write(os.path.join(APP_DIR, "backend.env"), env_text, 0o600)
if compose is not None:
    changed = write(os.path.join(APP_DIR, "docker-compose.yml"), compose, 0o640) or changed
sys.exit(3 if changed else 0)
PY

# The deploy step: the original project's login, pull, up -d, prune, logout, made repeatable.
# The boot runs it once with the release in deploy.env; it fails when the frontend's health
# path does not answer afterwards, and the load balancer never sends the server traffic (an
# instance refresh then fails and rolls back). It is the only thing that starts a server's images.
cat >/usr/local/sbin/ecommerce-deploy <<'SH'
#!/bin/bash
set -euo pipefail
exec > >(tee -a /var/log/ecommerce-deploy.log) 2>&1
log() { echo "[$(date '+%Y-%m-%d %H:%M:%S')] $*" >&2; }
retry() {
  local attempt=1
  until "$@"; do
    if [ "$attempt" -ge 5 ]; then
      log "giving up after $attempt attempts: $*"
      return 1
    fi
    log "attempt $attempt failed, retrying: $*"
    sleep $((attempt * 5))
    attempt=$((attempt + 1))
  done
}
set -a
# shellcheck disable=SC1091 # written by the first boot
. /etc/ecommerce/deploy.env
set +a
exec 9>/run/ecommerce-deploy.lock
flock 9
cd /app
images_state=/etc/ecommerce/images.env

log "Running now: $(tr '\n' ' ' <"$images_state" 2>/dev/null || echo 'nothing yet')"
log "Reading the settings and secrets for $BACKEND_IMAGE and $FRONTEND_IMAGE"
# shellcheck disable=SC2317 # called through retry
render() {
  local status=0
  python3 /usr/local/lib/ecommerce/render_env.py deploy || status=$?
  # 3 only says a file changed: up -d below recreates what it concerns.
  if [ "$status" -eq 3 ]; then status=0; fi
  return "$status"
}
retry render

# shellcheck disable=SC2317 # called through retry
login() {
  python3 /usr/local/lib/ecommerce/render_env.py registry-password |
    docker login --username "$DOCKERHUB_USERNAME" --password-stdin
}
# Never leave the registry credential on disk, whatever happens below.
trap 'docker logout >/dev/null 2>&1 || true' EXIT
log "Logging in to the registry as $DOCKERHUB_USERNAME"
retry login
log "Pulling images"
retry docker compose pull --quiet
# The app's database role, before any container uses it (a no-op once done: ecommerce-db-setup).
/usr/local/sbin/ecommerce-db-setup
# From here on the containers run these images: record them, so the secrets timer keeps them.
mv -f "$images_state.next" "$images_state"
log "Starting the containers: $(tr '\n' ' ' <"$images_state")"
docker compose up -d --remove-orphans
docker logout
log "Pruning images and containers no longer used"
docker system prune -af

log "Waiting for $HEALTH_CHECK_URL"
for _ in $(seq 1 60); do
  if curl -fsS -o /dev/null "$HEALTH_CHECK_URL"; then
    log "Deployed: $(grep -E '^ +image:' /app/docker-compose.yml | tr -s ' \n' ' ')"
    exit 0
  fi
  sleep 5
done
log "The frontend did not answer on $HEALTH_CHECK_URL after 5 minutes"
docker compose ps
exit 1
SH
chmod 0755 /usr/local/sbin/ecommerce-deploy

# The one-shot step that creates (or brings into line) the app's own database role as the master
# user: render_env.py db-setup. Only this step ever reads the master secret; the app containers
# get the app role (README.md, Database users). Run by ecommerce-deploy before the containers
# start and by the secrets timer when the app's password changed; a no-op when this server did
# it already for the same database, role and password version. By hand: ecommerce-db-setup --force.
cat >/usr/local/sbin/ecommerce-db-setup <<'SH'
#!/bin/bash
set -euo pipefail
set -a
# shellcheck disable=SC1091 # written by the first boot
. /etc/ecommerce/deploy.env
set +a
cd /app
exec python3 /usr/local/lib/ecommerce/render_env.py db-setup "$@"
SH
chmod 0755 /usr/local/sbin/ecommerce-db-setup

# RDS rotates the master password: re-read the secrets every few minutes and recreate the
# containers whose env_file changed, with the images they run (refresh mode, --pull never). A
# server on a rotated password fails new connections already, so a few seconds' restart costs
# less than waiting; RandomizedDelaySec spreads the servers apart.
cat >/usr/local/sbin/ecommerce-refresh-secrets <<'SH'
#!/bin/bash
set -euo pipefail
set -a
# shellcheck disable=SC1091 # written by the first boot
. /etc/ecommerce/deploy.env
set +a
exec 9>/run/ecommerce-deploy.lock
flock 9
status=0
python3 /usr/local/lib/ecommerce/render_env.py refresh || status=$?
if [ "$status" -eq 3 ]; then
  # Without images.env no deploy has started a container yet: nothing to recreate.
  if [ -f /etc/ecommerce/images.env ]; then
    echo "secrets or settings changed: recreating the containers concerned"
    # A new app database password (a rotation) reaches the role first.
    cd /app && /usr/local/sbin/ecommerce-db-setup && docker compose up -d --pull never
  fi
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi
SH
chmod 0755 /usr/local/sbin/ecommerce-refresh-secrets

cat >/etc/systemd/system/ecommerce-refresh-secrets.service <<'UNIT'
[Unit]
Description=Re-read the shop's secrets (RDS rotates the database password)
After=docker.service network-online.target
Wants=network-online.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/ecommerce-refresh-secrets
UNIT

cat >/etc/systemd/system/ecommerce-refresh-secrets.timer <<'UNIT'
[Unit]
Description=Re-read the shop's secrets every five minutes

[Timer]
OnBootSec=5min
OnUnitActiveSec=5min
RandomizedDelaySec=30

[Install]
WantedBy=timers.target
UNIT

################################################################################
# 3b. The fraud model: fetched from S3, checked, swapped in beside the backend
################################################################################
# The fraud-scan workflow puts its model at one key of the monitoring bucket; every few minutes
# this server fetches it into /var/lib/ecommerce/fraud-model (read-only in the backend as
# /fraud-model, compose.yml), checks it with the backend's own loader in the running container
# and renames it over model.json: reloaded at the next charge. A refused or failed fetch keeps
# the model (journalctl -u ecommerce-fraud-model). Empty bucket: no timer.
install -d -m 0755 /var/lib/ecommerce /var/lib/ecommerce/fraud-model
fraud_model_bucket='${fraud_model_bucket}'
cat >/usr/local/sbin/fetch-fraud-model <<'FETCH'
${fetch_fraud_model_script}FETCH
chmod 0755 /usr/local/sbin/fetch-fraud-model

cat >/etc/systemd/system/ecommerce-fraud-model.service <<'UNIT'
[Unit]
Description=Fetch the fraud model from S3, check it in the backend container, swap it in
After=docker.service network-online.target
Wants=network-online.target

[Service]
Type=oneshot
Environment=AWS_REGION=${aws_region}
Environment=FRAUD_MODEL_VALIDATE_DIR=/fraud-model
ExecStart=/usr/local/sbin/fetch-fraud-model ${fraud_model_bucket} ${fraud_model_key} /var/lib/ecommerce/fraud-model/model.json
UNIT

cat >/etc/systemd/system/ecommerce-fraud-model.timer <<'UNIT'
[Unit]
Description=Fetch the fraud model every five minutes

[Timer]
OnBootSec=5min
OnUnitActiveSec=5min
RandomizedDelaySec=30

[Install]
WantedBy=timers.target
UNIT

################################################################################
# 3c. Training CSVs for a retraining on GitHub: handed over by the backend, put in S3
################################################################################
# The backend container holds no AWS credentials: it renames an uploaded CSV into pending/
# (/fraud-training-outbox in compose.yml); the path unit runs push-fraud-training, which puts it
# under the training prefix with this role and answers in done/. No bucket: no pending/.
fraud_training_bucket='${fraud_training_bucket}'
install -d -m 0755 /var/lib/ecommerce/fraud-training
if [ -n "$fraud_training_bucket" ]; then
  # The container's user (uid 10001) writes staging/ and pending/, reads done/.
  install -d -m 0700 -o 10001 -g 10001 /var/lib/ecommerce/fraud-training/staging \
    /var/lib/ecommerce/fraud-training/pending /var/lib/ecommerce/fraud-training/done
fi
cat >/usr/local/sbin/push-fraud-training <<'PUSH'
${push_fraud_training_script}PUSH
chmod 0755 /usr/local/sbin/push-fraud-training

cat >/etc/systemd/system/ecommerce-fraud-training.service <<'UNIT'
[Unit]
Description=Put the training CSVs the backend handed over into S3 for the fraud-scan workflow
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
# The files come from the container: handle them as its uid, never as root.
User=10001
Group=10001
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ReadWritePaths=/var/lib/ecommerce/fraud-training
Environment=AWS_REGION=${aws_region}
ExecStart=/usr/local/sbin/push-fraud-training /var/lib/ecommerce/fraud-training ${fraud_training_bucket} ${fraud_training_prefix}
UNIT

cat >/etc/systemd/system/ecommerce-fraud-training.path <<'UNIT'
[Unit]
Description=Start push-fraud-training when the backend hands over a training CSV

[Path]
DirectoryNotEmpty=/var/lib/ecommerce/fraud-training/pending
Unit=ecommerce-fraud-training.service

[Install]
WantedBy=paths.target
UNIT

################################################################################
# 4. First deploy
################################################################################
# The timer first: if this first deploy fails, the secrets are still kept fresh, and a re-run of
# ecommerce-deploy (by hand, through Session Manager) finishes the job; until then the load
# balancer's health check keeps the server out, and the group replaces it after the grace period.
systemctl daemon-reload
systemctl enable --now ecommerce-refresh-secrets.timer
# Likewise the model's timer: a deploy finished by hand later still gets its model.
if [ -n "$fraud_model_bucket" ]; then
  systemctl enable --now ecommerce-fraud-model.timer
fi
if [ -n "$fraud_training_bucket" ]; then
  systemctl enable --now ecommerce-fraud-training.path
fi
log "Deploying"
/usr/local/sbin/ecommerce-deploy
if [ -n "$fraud_model_bucket" ]; then
  # The first model as soon as the backend runs (the check happens inside it), not in 5 minutes.
  systemctl start ecommerce-fraud-model.service || log "No fraud model yet (journalctl -u ecommerce-fraud-model); the timer tries again every 5 minutes"
fi
log "Boot script finished"
