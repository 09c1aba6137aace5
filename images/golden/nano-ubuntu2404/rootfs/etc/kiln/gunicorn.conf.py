# Rendered by kiln for tier nano (512 MiB, 2 vCPU). Do not edit: rebake.
# Read by: /opt/kiln/venv/bin/gunicorn -c /etc/kiln/gunicorn.conf.py kiln_canary.wsgi:application

# nginx proxies to this socket; umask 007 + the unit's Group=www-data let nginx (www-data) connect.
bind = ["unix:/run/kiln-app/gunicorn.sock"]
umask = 0o007
# The app's code; gunicorn also puts it on sys.path.
chdir = "/opt/kiln/app"
# Heartbeat files in RAM: a slow disk must not make the arbiter kill healthy workers.
worker_tmp_dir = "/dev/shm"
# Errors go to the journal through stderr. No access log: nginx logs every request with its upstream time, and a
# second line per request from Python cost ~4% of the box's CPU (nano, 500 req/s: 1.22 -> 1.17 ms per request).
accesslog = None
errorlog = "-"
loglevel = "warning"

# one process per vCPU (2) saturates the CPU despite the GIL; at least 2 so one serves while the other recycles
workers = 2

# gthreads overlap waits on PgBouncer, Redis and upstreams; each costs ~1 MiB, a process ~36 MiB; cut from 16 to fit 133 MiB
threads = 11

# threads share one interpreter: concurrency without a process per connection
worker_class = "gthread"

# recycles a leaking worker after minutes at the top rate, not every few seconds as 1000 does
max_requests = 50000

# spreads recycles so workers never restart together
max_requests_jitter = 5000

# the longest legitimate request; nginx proxy timeouts sit above it
timeout = 30

# lets in-flight requests finish on recycle and stop
graceful_timeout = 20

# longer than nginx upstream keepalive_timeout (60 s) so nginx closes idle connections first: no 502 on reuse
keepalive = 65

# matches net.core.somaxconn; a burst queues instead of being refused
backlog = 1024

# workers fork from the imported app: recycle in milliseconds, code pages shared
preload_app = True
