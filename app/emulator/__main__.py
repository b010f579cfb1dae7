"""Command line: ``python -m app.emulator --key K --secret S --port 0``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from app.emulator.config import (
    AUTH_FAILURE_STATUSES,
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    ENDPOINTS,
    STOP_STATUSES,
    EmulatorConfig,
)
from app.emulator.runner import Emulator


def _endpoints(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = set(names) - {*ENDPOINTS, "*"}
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown endpoints {sorted(unknown)}; use {ENDPOINTS}")
    return names


def _setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("expected KEY=VALUE")
    return key.strip(), value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m app.emulator", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    auth = p.add_argument_group("project credentials")
    auth.add_argument("--key", help=f"API key (default {DEFAULT_API_KEY})")
    auth.add_argument("--secret", help="API secret: a signature project")
    auth.add_argument("--key-only", action="store_true", help="an API-key-only project")
    auth.add_argument("--strict-nonce", action="store_true", help="reject a reused x-nonce")
    auth.add_argument(
        "--auth-failure-status",
        type=int,
        choices=AUTH_FAILURE_STATUSES,
        default=401,
        help="HTTP status of a refused key/signature (always result:false)",
    )
    t = p.add_argument_group("timings")
    t.add_argument("--queue-seconds", type=float, default=1.0)
    t.add_argument("--run-seconds", type=float, default=4.0)
    t.add_argument(
        "--step-mode", action="store_true", help="tasks advance only via /_emulator/advance"
    )
    w = p.add_argument_group("wire details")
    w.add_argument(
        "--progress-encoding",
        choices=("object", "string", "mixed"),
        default="object",
        help="object as websocket.md documents; string/mixed: JSON in a string",
    )
    w.add_argument("--no-log-lines", action="store_true")
    w.add_argument("--no-stderr-lines", action="store_true")
    w.add_argument("--no-full-log-frames", action="store_true")
    w.add_argument("--no-ws-extended-fields", action="store_true")
    w.add_argument("--parameters-as-string", action="store_true")
    w.add_argument(
        "--output-ttl", type=float, default=3600.0, help="seconds outputs stay downloadable"
    )
    w.add_argument("--ws-ping-seconds", type=float, default=30.0)
    s = p.add_argument_group("stopping (positions in the documented order)")
    s.add_argument("--cancel-until", choices=STOP_STATUSES, default="task_queue")
    s.add_argument("--kill-from", choices=STOP_STATUSES, default="task_assign")
    s.add_argument(
        "--kill-bills", action="store_true", help="a killed running task keeps outputs and cost"
    )
    a = p.add_argument_group("account")
    a.add_argument("--balance", type=float, help="USD balance; derives the concurrency limit")
    a.add_argument("--concurrency-limit", type=int, help="error 96 beyond N active tasks")
    a.add_argument("--insufficient-balance", action="store_true", help="Run answers error 97")
    f = p.add_argument_group("faults (rates 0..1, drawn from a seeded random)")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--fail-rate", type=float, default=0.0, help="runs ending with pexit 1")
    f.add_argument("--task-error-rate", type=float, default=0.0)
    f.add_argument("--task-error-hold", type=float, help="seconds before a task_error task ends")
    f.add_argument("--http-error-rate", type=float, default=0.0)
    f.add_argument("--http-error-status", type=int, default=503)
    f.add_argument("--http-error-retry-after", type=float)
    f.add_argument("--http-error-endpoints", type=_endpoints, default=("*",))
    f.add_argument("--drop-rate", type=float, default=0.0)
    f.add_argument("--drop-endpoints", type=_endpoints, default=("*",))
    f.add_argument("--drop-before-handling", action="store_true")
    f.add_argument("--delay", type=float, default=0.0, help="seconds added to each answer")
    f.add_argument("--delay-endpoints", type=_endpoints, default=("*",))
    f.add_argument("--truncate-rate", type=float, default=0.0)
    f.add_argument("--truncate-fraction", type=float, default=0.5)
    f.add_argument("--ws-drop-seconds", type=float, help="server drops each socket after N s")
    f.add_argument("--ws-drop-mode", choices=("abort", "close"), default="abort")
    f.add_argument("--ws-reject-rate", type=float, default=0.0)
    p.add_argument(
        "--set",
        type=_setting,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other EmulatorConfig field",
    )
    p.add_argument("--state", metavar="FILE", help="keep tasks in this JSON file across restarts")
    p.add_argument("--log-level", default="warning")
    return p


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    if args.key is None:
        key, secret = DEFAULT_API_KEY, None if args.key_only else DEFAULT_API_SECRET
    elif args.key_only:
        key, secret = args.key, None
    elif args.secret:
        key, secret = args.key, args.secret
    else:
        raise SystemExit("--key needs --secret S (signature project) or --key-only")
    values: dict[str, Any] = dict(
        api_key=key,
        api_secret=secret,
        strict_nonce=args.strict_nonce,
        auth_failure_status=args.auth_failure_status,
        cancel_until=args.cancel_until,
        kill_from=args.kill_from,
        kill_bills=args.kill_bills,
        queue_seconds=args.queue_seconds,
        run_seconds=args.run_seconds,
        step_mode=args.step_mode,
        progress_encoding=args.progress_encoding,
        log_lines=not args.no_log_lines,
        stderr_lines=not args.no_stderr_lines,
        full_log_frames=not args.no_full_log_frames,
        ws_extended_fields=not args.no_ws_extended_fields,
        parameters_as_string=args.parameters_as_string,
        output_ttl_seconds=args.output_ttl,
        ws_ping_seconds=args.ws_ping_seconds,
        balance_usd=args.balance,
        concurrency_limit=args.concurrency_limit,
        insufficient_balance=args.insufficient_balance,
        seed=args.seed,
        fail_rate=args.fail_rate,
        task_error_rate=args.task_error_rate,
        task_error_hold_seconds=args.task_error_hold,
        http_error_rate=args.http_error_rate,
        http_error_status=args.http_error_status,
        http_error_retry_after=args.http_error_retry_after,
        http_error_endpoints=args.http_error_endpoints,
        drop_rate=args.drop_rate,
        drop_endpoints=args.drop_endpoints,
        drop_after_handling=not args.drop_before_handling,
        delay_seconds=args.delay,
        delay_endpoints=args.delay_endpoints,
        truncate_rate=args.truncate_rate,
        truncate_fraction=args.truncate_fraction,
        ws_drop_seconds=args.ws_drop_seconds,
        ws_drop_mode=args.ws_drop_mode,
        ws_reject_rate=args.ws_reject_rate,
        state_path=args.state,
    )
    config = EmulatorConfig(**values)
    config.update(**dict(args.set))
    return config


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = config_from(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    emulator = Emulator(config, host=args.host, port=args.port, log_level=args.log_level)
    try:
        emulator.start()
    except OSError as exc:
        print(
            f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    try:
        print(f"Wiro emulator listening on {emulator.base_url}")
        print(f"Wiro emulator socket on {emulator.socket_url}")
        if args.key is None:
            mode = "API key only" if config.key_only else f"secret {config.api_secret}"
            print(f"Demo project: x-api-key {config.api_key}, {mode}")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
