# shellcheck shell=bash
# Helpers shared by scripts/run and scripts/test (sourced, not executed).

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

# need_debs PKG...: installs the Debian packages that are not installed yet
# (one apt-get update per run, only when something is missing).
need_debs() {
	local missing=() p
	for p in "$@"; do
		if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
			missing+=("$p")
		fi
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	echo "installing Debian packages: ${missing[*]}" >&2
	if [ -z "${LOOP_APT_UPDATED:-}" ]; then
		as_root apt-get update -qq >/dev/null
		LOOP_APT_UPDATED=1
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Use-Pty=0 "${missing[@]}" >/dev/null
}

# need_node: Node.js and npm for the OpenAPI linter. A machine may already
# have a newer Node.js from another source (whose package conflicts with
# Debian's npm), so Debian's are installed only when npm is missing.
need_node() {
	if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
		return 0
	fi
	need_debs nodejs npm
}

# need_npm_tools: the pinned npm devDependencies (package-lock.json).
need_npm_tools() {
	need_node
	# npm ci rewrites node_modules/.package-lock.json; when it is older than
	# package-lock.json, a dependency was added since the last install.
	if [ ! -x node_modules/.bin/redocly ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
		npm ci --no-audit --no-fund --loglevel=error
	fi
}

# Packages that building and running loopd needs (used by the scripts; jq for
# the README's API tour, which scripts/test runs).
# shellcheck disable=SC2034
LOOP_BUILD_DEBS=(build-essential cmake pkg-config libmicrohttpd-dev libpq-dev libjansson-dev
	libjwt-dev libargon2-dev libssl-dev postgresql postgresql-contrib curl
	libcrack2-dev cracklib-runtime libicu-dev libcurl4-openssl-dev jq)
