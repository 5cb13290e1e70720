"""gunicorn settings for one web machine (deploy/systemd/shahe-web.service). Read from the environment
(/etc/shahe/shahe.env); see docs/deployment.md.

A web process keeps nothing between requests: sessions are in PostgreSQL, the cache is in Redis, so
nginx may send any request to any process on any machine.
"""
import multiprocessing
import os

# The private address nginx connects to, e.g. 10.0.0.11:8000 (never a public address).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))   # a worker stuck this long is killed and replaced
graceful_timeout = 30                                     # on stop/reload, requests in flight may finish
keepalive = 5
max_requests = 2000                                       # recycle workers now and then ...
max_requests_jitter = 200                                 # ... not all at once
worker_tmp_dir = "/dev/shm"
# Our request log (shahe.request, JSON with request id and duration) replaces gunicorn's access log.
accesslog = None
errorlog = "-"
loglevel = "info"
# Only nginx's addresses may set X-Forwarded-* for gunicorn itself.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "shahe-web"

# gunicorn's own lines (start, worker timeouts, signals) as JSON too, like the application's.
if os.environ.get("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "shahe_afterschool.logs.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        },
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {"gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }
