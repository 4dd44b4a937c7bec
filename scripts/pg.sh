#!/usr/bin/env bash
# Runs a private PostgreSQL 15 cluster inside the project, reachable only via a
# unix socket, so dev/test runs never touch a system database or a TCP port.
#
#   scripts/pg.sh start    start (initialising if needed); prints the URL last
#   scripts/pg.sh stop     stop it (no-op if it is not running)
#   scripts/pg.sh url      print the URL (exit 1 if not running)
#   scripts/pg.sh status   exit 0 if running
#
# Folder: $INVOICEHUB_PG_DIR (default <repo>/.pg/dev). Only the URL goes to
# stdout; everything else goes to stderr so `url=$(scripts/pg.sh start)` works.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# Explicit path: /usr/local/bin may hold unrelated pg_* wrappers.
PGBIN=${INVOICEHUB_PG_BIN:-/usr/lib/postgresql/15/bin}
DB_NAME=invoicehub
DB_USER=postgres
FIRST_PORT=55432

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() { echo "usage: $0 start|stop|url|status" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
CMD=$1
case $CMD in start | stop | url | status) ;; *) usage ;; esac

[[ -x $PGBIN/pg_ctl ]] || die "$PGBIN/pg_ctl not found; run scripts/bootstrap.sh (needs postgresql-15)"

# PG* variables from the caller (PGHOSTADDR, PGOPTIONS, PGSERVICE, ...) would
# override or redirect our explicit connection arguments.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^PG' || true)

# Absolute path: the socket directory and the URL host must be absolute.
DIR=${INVOICEHUB_PG_DIR:-$ROOT/.pg/dev}
if [[ -d $DIR ]]; then DIR=$(cd "$DIR" && pwd -P); elif [[ $DIR != /* ]]; then DIR=$PWD/$DIR; fi
DATA=$DIR/data
SOCK=$DIR/socket
LOGFILE=$DIR/postgres.log
PORTFILE=$DIR/port

# PostgreSQL refuses to run as root, so as root every server-side command runs
# as the `postgres` OS user; as anyone else it runs as that user.
IS_ROOT=0
[[ $(id -u) -eq 0 ]] && IS_ROOT=1
as_postgres_user() {
  if command -v runuser >/dev/null; then
    runuser -u postgres -- "$@"
  else
    su -s /bin/bash postgres -c "$(printf '%q ' "$@")"
  fi
}
# fd 9 (the lock, see take_lock) is closed for children: otherwise the
# postmaster inherits it and holds the lock for as long as it runs.
as_pg() {
  if ((IS_ROOT)); then
    # cd first: a cwd that postgres cannot enter (e.g. /root) makes initdb warn.
    (cd "$DIR" && as_postgres_user "$@") 9>&-
  else
    "$@" 9>&-
  fi
}

# Percent-encode the socket path for the URI query string (spaces, &, # ...).
urlencode() {
  local s=$1 out='' c i
  local LC_ALL=C
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in [A-Za-z0-9/._~-]) out+=$c ;; *) printf -v c '%%%02X' "'$c"; out+=$c ;; esac
  done
  printf '%s' "$out"
}

read_port() {
  [[ -s $PORTFILE ]] || return 1
  local p
  p=$(<"$PORTFILE")
  [[ $p =~ ^[0-9]+$ ]] || die "$PORTFILE does not hold a port number"
  printf '%s' "$p"
}

url() {
  printf 'postgresql:///%s?host=%s&port=%s&user=%s\n' \
    "$DB_NAME" "$(urlencode "$SOCK")" "$1" "$DB_USER"
}

# pg_ctl status: 0 running, 3 not running, 4 no usable data directory.
is_running() {
  [[ -f $DATA/PG_VERSION ]] || return 1
  as_pg "$PGBIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

# The port only names the socket file (no TCP listening), but we still avoid
# numbers in use anywhere so a stray `psql -p <port>` cannot hit another server.
port_is_free() {
  local p=$1 d
  for d in "$SOCK" /var/run/postgresql /tmp; do
    [[ -e $d/.s.PGSQL.$p || -e $d/.s.PGSQL.$p.lock ]] && return 1
  done
  if command -v ss >/dev/null; then
    [[ -z $(ss -Hltn "sport = :$p" 2>/dev/null) ]] || return 1
  else
    # No ss: a successful connect means something is listening.
    ! timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null || return 1
  fi
}

pick_port() {
  local i p
  for ((i = 0; i < 200; i++)); do
    p=$((FIRST_PORT + RANDOM % 1000))
    if port_is_free "$p"; then printf '%s' "$p"; return 0; fi
  done
  die "no free port found in $FIRST_PORT..$((FIRST_PORT + 999))"
}

# As root, the postgres user must reach $DIR; /root (0700) is the usual trap.
check_postgres_can_reach() {
  as_pg test -w "$DIR" -a -x "$DIR" 2>/dev/null && return 0
  local d=$DIR
  while [[ $d != / ]]; do
    d=$(dirname "$d")
    as_postgres_user test -x "$d" 2>/dev/null ||
      die "the postgres OS user cannot traverse $d (needed to reach $DIR). Fix with 'chmod o+x $d' or set INVOICEHUB_PG_DIR to a folder under /tmp"
  done
  die "the postgres OS user cannot write to $DIR"
}

# Creates $DIR with the right owner; refuses folders owned by someone else so
# we never hijack another user's cluster.
prepare_dir() {
  if ((IS_ROOT)); then
    id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' OS user (install postgresql-15)"
    if [[ ! -d $DIR ]] || [[ -z $(ls -A "$DIR") ]]; then
      mkdir -p "$DIR"
      chown postgres:postgres "$DIR"
    fi
    [[ $(stat -c %U "$DIR") == postgres ]] ||
      die "$DIR belongs to $(stat -c %U "$DIR"), not postgres; remove it or choose another INVOICEHUB_PG_DIR"
    # 0755 so root can connect even where it lacks CAP_DAC_OVERRIDE; the data
    # dir itself stays 0700 (initdb enforces that).
    chmod 0755 "$DIR"
    check_postgres_can_reach
    as_pg mkdir -p "$SOCK"
    chmod 0755 "$SOCK"
  else
    mkdir -p "$DIR"
    [[ -O $DIR ]] || die "$DIR belongs to $(stat -c %U "$DIR"); remove it or choose another INVOICEHUB_PG_DIR"
    # Trust auth: only this user may reach the socket.
    chmod 0700 "$DIR"
    mkdir -p "$SOCK"
    chmod 0700 "$SOCK"
  fi
  DIR=$(cd "$DIR" && pwd -P)
  DATA=$DIR/data SOCK=$DIR/socket LOGFILE=$DIR/postgres.log PORTFILE=$DIR/port
}

# Serialise concurrent start/stop calls on the same folder.
take_lock() {
  if command -v flock >/dev/null; then
    exec 9>>"$DIR/lock"
    flock 9
  fi
}

conf_quote() { printf "'%s'" "${1//\'/\'\'}"; }

init_cluster() {
  local port=$1 locale=C tmp=$DIR/data.initdb
  # C.UTF-8 gives UTF-8 ctype with byte-order collation; plain C is the fallback.
  if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale=C.UTF-8; fi
  log "initialising cluster in $DATA (locale $locale)"
  # Initialise beside the final path and rename, so a failed initdb never
  # leaves a half-made data directory behind.
  as_pg rm -rf "$tmp"
  as_pg "$PGBIN/initdb" -D "$tmp" --auth=trust --username="$DB_USER" \
    --encoding=UTF8 --locale="$locale" >>"$LOGFILE.initdb" 2>&1 ||
    { tail -n 20 "$LOGFILE.initdb" >&2; die "initdb failed (full log: $LOGFILE.initdb)"; }
  # Throwaway dev/test cluster: durability settings are off for speed, since
  # losing its data on a crash costs nothing.
  as_pg tee -a "$tmp/postgresql.conf" >/dev/null <<EOF

# --- added by scripts/pg.sh: private throwaway cluster, unix socket only ---
listen_addresses = ''
unix_socket_directories = $(conf_quote "$SOCK")
port = $port
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
  as_pg mv "$tmp" "$DATA"
}

start() {
  prepare_dir
  take_lock
  local port
  if is_running; then
    port=$(read_port) || die "cluster is running but $PORTFILE is missing"
    log "already running"
    url "$port"
    return 0
  fi

  if [[ -f $DATA/PG_VERSION ]]; then
    [[ $(<"$DATA/PG_VERSION") == 15 ]] || die "$DATA was made by PostgreSQL $(<"$DATA/PG_VERSION"), not 15; remove $DIR"
    port=$(read_port) || die "$PORTFILE is missing; remove $DIR to start afresh"
  else
    [[ ! -e $DATA ]] || die "$DATA exists but is not a cluster; remove it"
    port=$(pick_port)
    init_cluster "$port"
    printf '%s\n' "$port" | as_pg tee "$PORTFILE" >/dev/null
  fi

  local sockpath=$SOCK/.s.PGSQL.$port
  # Unix socket paths are limited to 107 bytes (sun_path).
  ((${#sockpath} < 108)) || die "socket path $sockpath is too long (${#sockpath} > 107 bytes); set INVOICEHUB_PG_DIR to a shorter folder"

  log "starting PostgreSQL on socket $sockpath (log: $LOGFILE)"
  if ! as_pg "$PGBIN/pg_ctl" start -D "$DATA" -l "$LOGFILE" -w -t 60 >/dev/null; then
    tail -n 20 "$LOGFILE" >&2 || true
    die "PostgreSQL did not start (log: $LOGFILE)"
  fi

  local psql=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$port" -U "$DB_USER" -d postgres)
  if [[ -z $(as_pg "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'") ]]; then
    log "creating database $DB_NAME"
    as_pg "${psql[@]}" -c "CREATE DATABASE $DB_NAME" >/dev/null
  fi
  url "$port"
}

stop() {
  [[ -f $DATA/PG_VERSION ]] || { log "no cluster in $DIR"; return 0; }
  take_lock
  if ! is_running; then
    log "not running"
    return 0
  fi
  log "stopping"
  as_pg "$PGBIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >/dev/null
}

# As root the cluster runs as `postgres`, which cannot enter folders such as
# /root (mode 0700). A checkout there gets its cluster under /tmp instead, in
# a folder named after the checkout, so start, url and stop agree on it.
relocate_if_unreachable() {
  ((IS_ROOT)) || return 0
  local d=$DIR
  while [[ ! -d $d ]]; do d=$(dirname "$d"); done
  if ! id postgres >/dev/null 2>&1 || as_postgres_user test -x "$d" 2>/dev/null; then return 0; fi
  local fallback
  fallback=/tmp/invoicehub-pg-$(printf '%s' "$DIR" | sha256sum | cut -c1-16)
  log "postgres cannot reach $DIR; using $fallback"
  DIR=$fallback DATA=$fallback/data SOCK=$fallback/socket LOGFILE=$fallback/postgres.log PORTFILE=$fallback/port
}
relocate_if_unreachable

case $CMD in
  start) start ;;
  stop) stop ;;
  url)
    is_running || die "not running; run: scripts/pg.sh start"
    url "$(read_port)"
    ;;
  status)
    if is_running; then
      echo "running: $(url "$(read_port)")"
    else
      echo "not running"
      exit 1
    fi
    ;;
esac
