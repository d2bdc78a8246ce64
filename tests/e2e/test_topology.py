"""How the deployment runs: several servers behind one address, jobs on
RabbitMQ as on Redis, /healthz naming the store it cannot reach, and logs as
JSON lines carrying request ids."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.flows import PASSWORD, activate, choose_password, contract, log_in, start
from tests.e2e.harness import Sesame, deployment, free_port, link_token, selected_topologies, wait_until

RABBITMQ = os.environ.get("SESAME_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/")


def test_servers_behind_one_address_share_every_state(production: Sesame) -> None:
    """Each step of a person's path on whichever ``sesame serve`` the balancer
    picks: activation, session and read models live in the database."""
    other = production.serve_again()
    creds = contract(production)
    activation = start(production, creds)
    assert other.post(f"/activations/{activation}/email", json={"email": creds["email"]}).json() == {"next": "password"}
    choose_password(production, activation)
    token = link_token(production.wait_for_mail(creds["email"]), "/verify-email")
    assert other.post("/email-verifications", json={"token": token}).status_code == 200
    session = other.post("/sessions", json={"email": creds["email"], "password": PASSWORD})
    me = production.http.get("/me", headers={"Authorization": f"Bearer {session.json()['token']}"})
    assert me.status_code == 200 and me.json()["email"] == creds["email"]
    assert other.get("/me", headers=log_in(production, creds["email"])).json()["id"] == me.json()["id"]
    other.close()


def rabbitmq_queues(database: str) -> list[str]:
    """The queues dramatiq declares for a deployment's job queue."""
    queue = f"sesame.{database}"
    return [queue, f"{queue}.DQ", f"{queue}.XQ"]


def test_the_worker_takes_its_jobs_from_rabbitmq_too(tmp_path: Path) -> None:
    pika = pytest.importorskip("pika")
    if "production" not in selected_topologies():
        pytest.skip("needs the production topology: SESAME_TOPOLOGIES=production")
    try:
        pika.BlockingConnection(pika.URLParameters(RABBITMQ)).close()
    except pika.exceptions.AMQPError:
        pytest.skip(f"no RabbitMQ at {RABBITMQ}")
    with deployment(tmp_path, "production", BROKER_URL=RABBITMQ) as sesame:
        assert sesame.database
        try:
            assert httpx.get(sesame.url + "/healthz").json()["broker"] == "ok"
            activate(sesame, contract(sesame))  # the emailed link went through RabbitMQ and `sesame worker`
        finally:  # RabbitMQ keeps declared queues: leave none behind
            connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ))
            for queue in rabbitmq_queues(sesame.database):
                connection.channel().queue_delete(queue)
            connection.close()


def test_healthz_names_the_store_it_cannot_reach(tmp_path: Path) -> None:
    sesame = Sesame(tmp_path, {"BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"})  # nothing listens there
    try:
        sesame.start("serve", "--port", str(sesame.port), log="serve.log")
        wait_until(lambda: healthz(sesame) is not None, "sesame serve to answer")
        answer = healthz(sesame)
        assert answer is not None and answer.status_code == 503
        assert answer.json() == {"status": "degraded", "database": "ok", "broker": "unavailable"}
    finally:
        sesame.stop()


def healthz(sesame: Sesame) -> httpx.Response | None:
    try:
        return httpx.get(sesame.url + "/healthz", timeout=5)
    except httpx.TransportError:
        return None


def test_every_log_line_is_json_and_a_request_carries_its_id(sesame: Sesame) -> None:
    answer = sesame.http.post("/activations", json={}, headers={"X-Request-ID": "lb-4f2a"})
    assert answer.headers["x-request-id"] == "lb-4f2a"
    drawn = sesame.http.get("/me").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", drawn)
    wait_until(
        lambda: drawn in (sesame.root / "serve.log").read_text(), "the access line, written once the answer is sent"
    )
    lines = [json.loads(line) for log in sorted(sesame.root.glob("*.log")) for line in log.read_text().splitlines()]
    assert all({"at", "level", "process", "logger", "message", "request_id"} <= set(line) for line in lines)
    requests = [line for line in lines if line["logger"] == "sesame.access"]
    (access,) = [line for line in requests if line["request_id"] == "lb-4f2a"]
    assert (
        access["route"] == "/api/v1/activations"
        and access["method"] == "POST"
        and access["status"] == answer.status_code
    )
    assert [line["route"] for line in requests if line["request_id"] == drawn] == ["/api/v1/me"]
