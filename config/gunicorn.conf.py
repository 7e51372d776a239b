"""gunicorn settings of a web host: `gunicorn -c config/gunicorn.conf.py config.wsgi`; docs/deployment.md explains."""

import multiprocessing
import os


def _int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
# The classic rule for a host that only serves the portal; lower it where workers share the host with the cluster.
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
# Threads let a worker wait on PostgreSQL, Redis or SMTP for one request while it serves another.
threads = _int("GUNICORN_THREADS", 2)
worker_class = "gthread"
# Longer than any page should take (DESIGN.md section 10), shorter than the load balancer's own timeout.
timeout = _int("GUNICORN_TIMEOUT", 30)
# A restart or deploy (SIGTERM / SIGHUP) lets running requests finish for this long.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Above the load balancer's idle timeout is wrong: keep it short, the balancer holds the client connections.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# A worker is replaced after this many requests (jitter spreads the restarts), which bounds slow memory growth.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Only the load balancer may set X-Forwarded-For/-Proto; list its addresses (comma-separated), never "*" on a host
# that clients can reach directly.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Workers' heartbeat files: in containers whose /tmp is a slow overlay disk, point this at a memory file system.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# %(M)s: request time in milliseconds. No query string (%(U)s is the path alone): links in e-mails carry tokens.
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
