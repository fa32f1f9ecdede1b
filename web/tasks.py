"""The one base class of the portal's Celery tasks: how a task survives a killed worker and a
passing outage.

- acks_late: the message is acknowledged after the task ran, so a worker killed mid-task
  leaves it for another. Every task's service is idempotent (a claim, an upsert, a "done"
  check), which is what makes the redelivery safe.
- autoretry_for: only errors that a retry can cure (the database connection dropped, the
  broker or the cache unreachable); a bug raises at once and is not run five more times.
- retry_backoff with jitter: 5 s, 10 s, 20 s ... (capped), spread so that the tasks of one
  outage do not all come back in the same second.

A task changes what differs for it in its decorator, e.g.
`@shared_task(base=RetryingTask, autoretry_for=DATABASE_ERRORS, max_retries=3, ...)`;
shared_task's keyword arguments become attributes of the task class and override these.
Time limits are per task (soft_time_limit, time_limit): each task knows how long it may take.
"""

from celery import Task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

DATABASE_ERRORS = (OperationalError, InterfaceError)
# The broker (enqueueing a follow-up task) and the Redis cache (locks, flags).
BROKER_ERRORS = (RedisConnectionError, RedisTimeoutError, BrokerOperationalError)
TRANSIENT_ERRORS = DATABASE_ERRORS + BROKER_ERRORS


class RetryingTask(Task):
    """acks_late, retrying transient database and broker errors with jittered backoff."""

    acks_late = True
    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 5
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5
