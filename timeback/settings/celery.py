"""Celery: broker, queues, reliability settings and the one beat schedule."""

from timeback.env import env

_redis_url = env.str("REDIS_URL", default="")

if _redis_url:
    CELERY_BROKER_URL = _redis_url
    CELERY_RESULT_BACKEND = _redis_url
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # No broker configured: tasks run in-process, so `make run` needs nothing else.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

# A task is acknowledged only after it finished, so a worker that dies mid-task leaves it
# on the queue for another worker (the tasks are written to be safe to run twice).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "roster.tasks.*": {"queue": "ingest"},
    # Turning accepted events into facts (and rollups) is part of ingest: its own queue, so
    # other work never delays XP.
    "mastery.tasks.learning_events_process_task": {"queue": "ingest"},
    "mastery.tasks.learning_events_sweep_task": {"queue": "ingest"},
}
# Redis visibility timeout must exceed the longest task, or an unacked long import would be
# handed to a second worker while the first is still running.
# A send from a web request (the ingest's "lane N has work") must fail fast when the broker
# is unreachable: the events are committed and the sweeper re-sends, while a send that
# retries the connection (kombu's default, about 6 s per send) turns a broker outage into an
# ingest outage. So: a short connect timeout and no connection retry when publishing
# (``max_retries``; the worker's own consumer connection keeps retrying under
# CELERY_BROKER_CONNECTION_RETRY / _MAX_RETRIES). socket_timeout stays above the worker's
# 1 s BRPOP poll.
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    "socket_connect_timeout": 1.0,
    "socket_timeout": 10.0,
    "max_retries": 0,
}
# Celery's Django fixup closes every database connection before and after each task unless
# this is set, so each task paid a new PostgreSQL backend (fork, authentication, cold catalog
# caches: tens of ms of server CPU); with many short lane tasks under single-event POSTs that
# CPU competed with the web workers. With it, connections are kept for this many tasks, and
# mastery/tasks.py closes unusable or older-than-CONN_MAX_AGE ones around each task, as Django
# does around each request.
CELERY_DB_REUSE_MAX = 1000
# No caller waits for a task's return value (an import's state is its job row): storing
# results cost a SETEX and a PUBLISH per task in the worker, and a SUBSCRIBE/UNSUBSCRIBE per
# send in the sending web process.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"

# All periodic schedules live here.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Every minute (crontab "* * * * *", https://crontab.guru/#*_*_*_*_*): send again the
    # OneRoster import jobs whose broker message or worker was lost.
    "roster-import-jobs-requeue-stale": {
        "task": "roster.tasks.import_jobs_requeue_stale_task",
        "schedule": 60.0,
    },
    # Every 5 seconds (finer than crontab can say; "* * * * *" is once a minute,
    # https://crontab.guru/#*_*_*_*_*): queue every processing lane that still has pending
    # Caliper events. This is what resumes the
    # pipeline after a lost broker message, a dead worker or a broker that was down at
    # ingest. A sweep message older than its period is dropped: the next sweep replaces it.
    "mastery-learning-events-sweep": {
        "task": "mastery.tasks.learning_events_sweep_task",
        "schedule": 5.0,
        "options": {"expires": 5.0},
    },
    # Every minute (crontab "* * * * *", https://crontab.guru/#*_*_*_*_*): fill the
    # per student × app × course × day buckets whose sources changed (processing queues a
    # fill after each run; this resumes it after a lost message or a dead worker).
    "mastery-student-app-days-fill": {
        "task": "mastery.tasks.student_app_days_fill_task",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    # Every 5 minutes (crontab "*/5 * * * *", https://crontab.guru/#*/5_*_*_*_*): index the
    # learningObjectiveSets changed since the last run and recompute the standards evidence
    # of the students whose results changed (one run at a time: a cache lock).
    "case-standards-evidence-refresh": {
        "task": "case.tasks.standards_evidence_refresh_task",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    # Every hour (crontab "0 * * * *", https://crontab.guru/#0_*_*_*_*): delete LTI nonces,
    # launches and registration tokens nothing can use any more.
    "lti-housekeeping": {
        "task": "lti.tasks.lti_housekeeping_task",
        "schedule": 3600.0,
    },
}
