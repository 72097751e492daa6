"""`podium run`: the whole system in the foreground until Ctrl-C or SIGTERM, each part
started again when it dies (launcher/supervisor.py)."""

import os
import signal
import time

from launcher.stack import SERVICES, Stack
from launcher.supervisor import Child, Supervisor
from shared.adapters.settings import Settings


def run(settings: Settings) -> int:
    stack = Stack(
        home=settings.home.resolve(),
        database_url=os.environ.get("PODIUM_DATABASE_URL"),
        kafka_bootstrap=os.environ.get("PODIUM_KAFKA_BOOTSTRAP"),
        broadcast_processes=settings.broadcast_processes,
    )
    stack.ports.ingest = settings.ingest_port
    stack.ports.scoring = settings.scoring_port
    stack.ports.broadcast = settings.broadcast_port
    stack.ports.postgres = settings.postgres_port
    stack.ports.kafka = settings.kafka_port
    stack.ports.kafka_controller = settings.kafka_controller_port
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    started = time.monotonic()
    try:
        print(f"podium: starting under {stack.home}", flush=True)
        stack.start_infra()
        stack.start_services()
        stack.wait_healthy(timeout=170)
        board = stack.url("broadcast")
        print(
            f"\npodium is up in {time.monotonic() - started:.1f} s\n"
            f"  live board        {board}/\n"
            f"  standings (REST)  {board}/v1/standings/medals  {board}/v1/standings/points\n"
            f"  games             {board}/v1/games\n"
            f"  live feed (WS)    ws://127.0.0.1:{stack.ports.broadcast}/v1/live\n"
            f"  entry page        {stack.url('ingest')}/enter\n"
            f"  enter results     POST {stack.url('ingest')}/v1/results\n"
            f"  health            " + "  ".join(f"{stack.url(s)}/healthz" for s in SERVICES)
            + "\n  create a token    .venv/bin/podium token create --role official\n"
            "Ctrl-C stops everything.",
            flush=True,
        )
        supervisor = Supervisor(_children(stack), say=_say)
        while not stopping:
            supervisor.check()
            time.sleep(0.5)
        return 0
    finally:
        print("podium: stopping", flush=True)
        stack.stop()


def _children(stack: Stack) -> list[Child]:
    brokers = [broker for broker in (stack.postgres, stack.kafka) if broker is not None]
    return [*brokers, *stack.processes.values()]


def _say(text: str) -> None:
    print(f"podium: {text}", flush=True)
