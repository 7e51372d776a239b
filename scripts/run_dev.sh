#!/usr/bin/env bash
# Serve the portal and its django-q2 job cluster together; Ctrl-C stops both.
set -euo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

"$PY" manage.py qcluster &
cluster=$!
stop() {
  kill "$cluster" 2>/dev/null || true
  wait "$cluster" 2>/dev/null || true
}
trap stop EXIT INT TERM

echo "Gemeindeportal: http://$HOST:$PORT/  (back office: /admin/, e-mails: var/mail/)"
"$PY" manage.py runserver "$HOST:$PORT"
