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
    # Turning accepted events into facts is part of ingest: its own queue, so a long rollup
    # or import backlog never delays XP. App-day rollups are dashboard work.
    "mastery.tasks.learning_events_process_task": {"queue": "ingest"},
    "mastery.tasks.learning_events_sweep_task": {"queue": "ingest"},
    "mastery.tasks.rollups_refresh_task": {"queue": "rollup"},
}
# Redis visibility timeout must exceed the longest task, or an unacked long import would be
# handed to a second worker while the first is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
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
    # Caliper events, and the rollup refresh if app-days wait. This is what resumes the
    # pipeline after a lost broker message, a dead worker or a broker that was down at
    # ingest. A sweep message older than its period is dropped: the next sweep replaces it.
    "mastery-learning-events-sweep": {
        "task": "mastery.tasks.learning_events_sweep_task",
        "schedule": 5.0,
        "options": {"expires": 5.0},
    },
}
