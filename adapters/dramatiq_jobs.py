"""Background jobs on dramatiq: Redis, RabbitMQ, or in-process for memory://.

Jobs carry ids only (a mail id); their state lives in the database, so a lost
or repeated message changes nothing but timing. Dramatiq's own retries are
off: the outbox table keeps the durable retry schedule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker


def make_broker(url: str) -> dramatiq.Broker:
    if url.startswith("memory://"):
        broker = StubBroker()
        broker.emit_after("process_boot")
        return broker
    if url.startswith("redis://"):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url)
    if url.startswith("amqp://"):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url)
    raise ValueError(f"unsupported BROKER_URL: {url}")


class Jobs:
    def __init__(self, url: str, handlers: dict[str, Callable[..., Any]]) -> None:
        self.broker = make_broker(url)
        self.actors = {
            name: dramatiq.actor(_discarding_result(handler), broker=self.broker, actor_name=name, max_retries=0)
            for name, handler in handlers.items()
        }

    def register(self, name: str, handler: Callable[..., Any]) -> None:
        """Add a job type once its handler exists (the composition root's order)."""
        self.actors[name] = dramatiq.actor(_discarding_result(handler), broker=self.broker, actor_name=name, max_retries=0)

    def enqueue(self, name: str, *args: Any) -> None:
        self.actors[name].send(*args)

    def ping(self) -> bool:
        """Whether the broker answers (always, in-process)."""
        try:
            client = getattr(self.broker, "client", None)
            if client is not None:
                client.ping()
            elif hasattr(self.broker, "connection"):
                _ = self.broker.connection
            return True
        except Exception:
            return False

    def worker(self, threads: int = 2) -> dramatiq.Worker:
        return dramatiq.Worker(self.broker, worker_threads=threads, worker_timeout=100)


def _discarding_result(handler: Callable[..., Any]) -> Callable[..., None]:
    """Jobs report through the database, not through dramatiq's results."""

    def job(*args: Any) -> None:
        handler(*args)

    return job
