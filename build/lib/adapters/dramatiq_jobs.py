"""Background jobs on dramatiq: Redis, RabbitMQ, or in-process for memory://.

Jobs carry ids only (a mail id); their state lives in the database, so a lost
or repeated message changes nothing but timing. A transport that refuses a
mail is not an error of the job: the outbox table keeps that durable retry
schedule. Dramatiq retries a job only when it raised, that is when the
database failed it (a cut connection), a few times and soon. All of a
deployment's jobs go to one queue named after its database (see
``bootstrap.job_queue``): deployments sharing a broker never take each
other's jobs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.broker import MessageProxy
from dramatiq.brokers.stub import StubBroker

from adapters.json_logs import request_id

log = logging.getLogger(__name__)


class JobIds(dramatiq.Middleware):
    """The log lines a job writes carry its message id as their request id,
    and each job ends with one line saying which it was and how it ended."""

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        request_id.set(message.message_id)

    def after_process_message(
        self, broker: dramatiq.Broker, message: MessageProxy, *, result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        log.info("job", extra={"fields": {"job": message.actor_name, "outcome": "raised" if exception else "done"}})
        request_id.set(None)

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        request_id.set(None)


def make_broker(url: str) -> tuple[dramatiq.Broker, Callable[[], object]]:
    """The broker for a BROKER_URL, and a probe that raises when it is unreachable."""
    if url.startswith("memory://"):
        broker = StubBroker()
        broker.emit_after("process_boot")
        return broker, lambda: None
    if url.startswith("redis://"):
        from dramatiq.brokers.redis import RedisBroker

        redis = RedisBroker(url=url)
        return redis, redis.client.ping
    if url.startswith("amqp://"):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        rabbitmq = RabbitmqBroker(url=url)
        return rabbitmq, lambda: _probe_rabbitmq(rabbitmq)
    raise ValueError(f"unsupported BROKER_URL: {url}")


def _probe_rabbitmq(broker: Any) -> None:
    """Exchange frames on this thread's connection; a dead one is dropped, so
    the next probe or job opens a new one."""
    try:
        broker.connection.process_data_events(time_limit=0)
    except Exception:
        del broker.connection
        raise


class Jobs:
    def __init__(self, url: str, handlers: dict[str, Callable[..., Any]], queue: str = "default") -> None:
        self.broker, self._probe = make_broker(url)
        self.broker.add_middleware(JobIds())
        self.queue = queue
        self.actors: dict[str, dramatiq.Actor[..., None]] = {}
        for name, handler in handlers.items():
            self.register(name, handler)

    def register(self, name: str, handler: Callable[..., Any]) -> None:
        """Add a job type once its handler exists (the composition root's order)."""
        self.actors[name] = dramatiq.actor(
            broker=self.broker, actor_name=name, queue_name=self.queue,
            max_retries=5, min_backoff=500, max_backoff=10_000,
        )(_discarding_result(handler))

    def enqueue(self, name: str, *args: Any) -> None:
        self.actors[name].send(*args)

    def ping(self) -> bool:
        """Whether the broker answers (always, in-process)."""
        try:
            self._probe()
            return True
        except Exception:
            return False

    def close(self) -> None:
        """Close the broker's connections, so that it forgets this process at once."""
        self.broker.close()

    def worker(self, threads: int = 2) -> dramatiq.Worker:
        """A worker that takes from the broker no more jobs than it runs at
        once (dramatiq prefetches twice as many): every mail a killed worker
        had is then one it was sending, under a lease handed over in seconds,
        not one waiting in its hands for the minute of its ``queued`` row."""
        worker = dramatiq.Worker(self.broker, worker_threads=threads, worker_timeout=100)
        worker.queue_prefetch = threads
        return worker


def _discarding_result(handler: Callable[..., Any]) -> Callable[..., None]:
    """Jobs report through the database, not through dramatiq's results."""

    def job(*args: Any) -> None:
        handler(*args)

    return job
