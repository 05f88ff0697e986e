#!/usr/bin/env bash
# The local development database behind `make run`: one Postgres cluster under the
# git-ignored .data/ folder, listening on 127.0.0.1 only, reused from run to run.
#
#   .ci/devdb.sh start    initdb once, start the server unless it runs, create database rapport
#   .ci/devdb.sh stop     stop the server (the data stays; rm -rf .data to start over)
#   .ci/devdb.sh status   say whether it runs
#   .ci/devdb.sh url      print the connection URL
#
# DEVDB_PORT changes the port (default 54329), DEVDB_NAME the database (default rapport;
# `make run DEMO=0` uses rapport_company, left empty for the first run at /setup).
# initdb and postgres refuse to run as root, so as root the cluster belongs to the
# `postgres` user and runs through runuser; when that user cannot reach the checkout
# (under /root, say), the cluster lives in /var/lib/rapport-devdb/<checkout's checksum>.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data_dir=$root/.data
pgdata=$data_dir/pg
sockdir=$data_dir/run
logfile=$data_dir/pg.log
port=${DEVDB_PORT:-54329}
dbname=${DEVDB_NAME:-rapport}
[[ $dbname =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "devdb: DEVDB_NAME must be a plain lower-case name" >&2; exit 2; }

# As root, the cluster must be where the postgres user can go: a checkout under a
# private folder (/root) gets its cluster outside it.
if [[ $EUID -eq 0 ]] && getent passwd postgres >/dev/null && ! runuser -u postgres -- test -x "$root"; then
	data_dir=/var/lib/rapport-devdb/$(echo "$root" | cksum | cut -d' ' -f1)
	pgdata=$data_dir/pg
	sockdir=$data_dir/run
	logfile=$data_dir/pg.log
fi

die() {
	echo "devdb: $*" >&2
	exit 1
}
note() { echo "devdb: $*" >&2; }

# as_owner runs a command as the cluster's owner: postgres when we are root, else us.
as_owner() {
	if [[ $EUID -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# find_bin sets $bin to the server binaries: the version the cluster was made with if
# it exists, else initdb on PATH, else Debian's newest /usr/lib/postgresql/<v>/bin.
find_bin() {
	if [[ -f $pgdata/PG_VERSION ]]; then
		local v
		v=$(<"$pgdata/PG_VERSION")
		if [[ -x /usr/lib/postgresql/$v/bin/pg_ctl ]]; then
			bin=/usr/lib/postgresql/$v/bin
			return
		fi
	fi
	local p
	if p=$(command -v initdb); then
		bin=$(dirname "$(readlink -f "$p")")
		return
	fi
	p=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5n | tail -n1)
	if [[ -n $p && -x $p/initdb ]]; then
		bin=$p
		return
	fi
	die "initdb not found: install PostgreSQL's server binaries (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql), or set DATABASE_URL to a database you have"
}

# running reports whether the cluster's postmaster is alive (pg_ctl status exits 0).
running() {
	[[ -f $pgdata/PG_VERSION ]] || return 1
	as_owner "$bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1
}

# live_port prints the port of the running server (from postmaster.pid), else $port.
live_port() {
	local p=
	if [[ -r $pgdata/postmaster.pid ]]; then
		p=$(sed -n 4p "$pgdata/postmaster.pid" 2>/dev/null || true)
	fi
	echo "${p:-$port}"
}

url() { echo "postgres://postgres@127.0.0.1:$(live_port)/$dbname?sslmode=disable"; }

# port_taken reports whether something already listens on 127.0.0.1:$port.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

prepare_dirs() {
	mkdir -p "$data_dir"
	# The socket path must fit in sun_path (107 bytes); deep checkouts use /tmp instead.
	if ((${#sockdir} + 20 > 100)); then
		sockdir=/tmp/rapport-devdb-$(echo "$root" | cksum | cut -d' ' -f1)
	fi
	mkdir -p "$pgdata" "$sockdir"
	touch "$logfile"
	chmod 700 "$pgdata"
	if [[ $EUID -eq 0 ]]; then
		getent passwd postgres >/dev/null ||
			die "running as root: initdb and postgres refuse root, and there is no 'postgres' user to run them as (install the postgresql package, or run make as a normal user)"
		chown postgres: "$pgdata" "$sockdir" "$logfile"
		[[ $data_dir == "$root/.data" ]] || chmod 755 "$data_dir" "$(dirname "$data_dir")"
		runuser -u postgres -- test -w "$pgdata" ||
			die "the postgres user cannot reach $pgdata; run as a normal user, or set DATABASE_URL to a database you have"
		[[ $data_dir == "$root/.data" ]] || note "the postgres user cannot enter $root: the cluster lives in $data_dir"
	fi
}

start() {
	find_bin
	if running; then
		note "reusing the cluster in $pgdata (port $(live_port))"
	else
		prepare_dirs
		if [[ ! -f $pgdata/PG_VERSION ]]; then
			note "creating a cluster in $pgdata with $bin/initdb"
			as_owner "$bin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --locale=C >>"$logfile" 2>&1 ||
				die "initdb failed; see $logfile"
		fi
		if port_taken; then
			die "port $port on 127.0.0.1 is already in use by another program; pick another with DEVDB_PORT=<port> make run"
		fi
		note "starting postgres on 127.0.0.1:$port (log: $logfile)"
		as_owner "$bin/pg_ctl" -D "$pgdata" -l "$logfile" -w -t 60 start \
			-o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$sockdir" >/dev/null ||
			{
				tail -n 20 "$logfile" >&2 || true
				die "postgres did not start; see $logfile"
			}
	fi
	local p
	p=$(live_port)
	local psql=$bin/psql
	[[ -x $psql ]] || psql=psql
	local i
	for i in $(seq 1 50); do
		if "$psql" "postgres://postgres@127.0.0.1:$p/postgres?sslmode=disable&connect_timeout=2" -qAtc 'SELECT 1' >/dev/null 2>&1; then
			break
		fi
		((i == 50)) && die "postgres on 127.0.0.1:$p does not accept connections; see $logfile"
		sleep 0.2
	done
	if [[ -z $("$psql" "postgres://postgres@127.0.0.1:$p/postgres?sslmode=disable" -qAtc \
		"SELECT 1 FROM pg_database WHERE datname = '$dbname'") ]]; then
		"$psql" "postgres://postgres@127.0.0.1:$p/postgres?sslmode=disable" -qAtc "CREATE DATABASE $dbname" >/dev/null
		note "created database $dbname"
	fi
}

stop() {
	find_bin
	if running; then
		as_owner "$bin/pg_ctl" -D "$pgdata" -m fast -w -t 60 stop >/dev/null
		note "stopped the cluster in $pgdata"
	else
		note "the cluster in $pgdata is not running"
	fi
}

status() {
	find_bin
	if running; then
		echo "running: $(url)"
	else
		echo "not running"
		return 3
	fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
url) url ;;
*)
	echo "usage: $0 start|stop|status|url" >&2
	exit 2
	;;
esac
