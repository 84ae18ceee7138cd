#!/usr/bin/env python3
"""Client for the reward-router server (protocol: docs/server.md). Python standard library only.

Library use::

    from client import RewardRouterClient

    client = RewardRouterClient("http://127.0.0.1:8000")  # token: REWARD_ROUTER_TOKEN by default
    # Samples as they come: each is scored at once by its group's teacher; groups are assembled by prompt.
    client.samples([{"prompt": "Say hi.", "completion": " Hi!"}])["rewards"]
    # Chat messages (OpenAI style; content may be a list of {"type": "text", "text": ...} blocks).
    client.samples([{"prompt": [{"role": "user", "content": "Say hi."}], "completion": [{"role": "assistant", "content": "Hi!"}]}])
    # Whole groups, one router step.
    client.score([{"prompt_id": "p1", "prompt": "Say hi.", "completions": [" Hi!", " Go away."]}])
    # Evaluation traffic never moves the routing state.
    client.samples([...], evaluation=True)

Command line::

    python3 client.py --url http://127.0.0.1:8000 score groups.json   # groups.json: {"groups": [...]} or [...]
    python3 client.py --url http://127.0.0.1:8000 samples samples.json  # {"samples": [...]} or [...]
    python3 client.py --url http://127.0.0.1:8000 state
    python3 client.py --url http://127.0.0.1:8000 health
    python3 client.py --url http://127.0.0.1:8000 metrics
    python3 client.py --url http://127.0.0.1:8000 get-reward --prompt "Say hi." --query "Say hi. Hi!" [--label "Hi!"]

Exit codes: 0 ok, 1 the server answered an error (printed as ``error: STATUS CODE: message``), 2 bad usage.
"""

import argparse
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request

RETRYABLE_STATUS = (429, 503)


class RewardRouterError(Exception):
    """The server answered with an error (``{"error": {"code", "message"}}``), or could not be reached."""

    def __init__(self, status, code, message, body=None):
        super().__init__(f"{status if status is not None else 'no response'} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = body


def backoff_seconds(attempt, base=0.5, cap=30.0, retry_after=None):
    """How long to wait before try ``attempt + 1``: the server's Retry-After, else capped exponential with jitter."""
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass
    return min(cap, base * (2 ** attempt)) * (0.5 + random.random() / 2)


def request_json(url, body=None, method="POST", token=None, timeout=300.0, retries=5, backoff=0.5, headers=None):
    """One call with retries: 429, 503 and refused connections are retried with backoff; any other error raises.

    A reward is never made up: when the retries run out, ``RewardRouterError`` is raised.
    """
    data = None if body is None else json.dumps(body).encode("utf-8")
    sent = {"Accept": "application/json", **(headers or {})}
    if data is not None:
        sent["Content-Type"] = "application/json"
    if token:
        sent["Authorization"] = f"Bearer {token}"
    for attempt in range(retries + 1):
        request = urllib.request.Request(url, data=data, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", errors="replace")
            try:
                detail = json.loads(text)["error"]
                code, message = detail["code"], detail["message"]
            except (ValueError, KeyError, TypeError):
                detail, code, message = None, "HTTP_ERROR", text[:500]
            if error.code in RETRYABLE_STATUS and attempt < retries:
                time.sleep(backoff_seconds(attempt, backoff, retry_after=error.headers.get("Retry-After")))
                continue
            raise RewardRouterError(error.code, code, message, detail) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            if attempt < retries:
                time.sleep(backoff_seconds(attempt, backoff))
                continue
            raise RewardRouterError(None, "CONNECTION_ERROR", str(getattr(error, "reason", error))) from None
    raise AssertionError("unreachable")


class RewardRouterClient:
    """Calls one reward-router server.

    ``token`` defaults to the ``REWARD_ROUTER_TOKEN`` environment variable. 429 and 503 answers (shutting down, a
    model resting after failures) and refused connections are retried ``retries`` times with exponential backoff
    (or the server's Retry-After); every other error raises ``RewardRouterError`` at once.
    """

    def __init__(self, url, token=None, timeout=300.0, retries=5, backoff_seconds=0.5):
        self.url = url.rstrip("/")
        self.token = token if token is not None else os.environ.get("REWARD_ROUTER_TOKEN") or None
        self.timeout = timeout
        self.retries = retries
        self.backoff_seconds = backoff_seconds

    def _call(self, method, path, body=None, evaluation=False):
        headers = {"X-Reward-Router-Traffic": "eval"} if evaluation else None
        return request_json(self.url + path, body, method, self.token, self.timeout, self.retries, self.backoff_seconds, headers)

    def samples(self, samples, evaluation=False):
        """POST /v1/samples: ``samples`` is a list of ``{"prompt", "completion"}`` (strings or chat messages), each
        optionally with a ``label`` for a verifier."""
        return json.loads(self._call("POST", "/v1/samples", {"samples": list(samples)}, evaluation))

    def score(self, groups, evaluation=False):
        """POST /v1/score: ``groups`` is a list of ``{"prompt_id", "prompt", "completions"}``, each optionally with a
        ``label`` (or ``labels``, one per completion) for a verifier. One router step. Returns the response dict."""
        return json.loads(self._call("POST", "/v1/score", {"groups": list(groups)}, evaluation))

    def rewards(self, groups):
        """The rewards of ``score(groups)`` as one list per group, in the order of ``groups``."""
        by_id = {group["prompt_id"]: group["rewards"] for group in self.score(groups)["groups"]}
        return [by_id[group["prompt_id"]] for group in groups]

    def get_reward(self, queries, prompts, labels=None, evaluation=False):
        """POST /get_reward, the OpenRLHF protocol: ``queries`` are prompt + response. Returns the response dict."""
        body = {"query": list(queries), "prompts": list(prompts)}
        if labels is not None:
            body["labels"] = list(labels)
        return json.loads(self._call("POST", "/get_reward", body, evaluation))

    def state(self):
        """GET /v1/state: the router's strategy, step, active teacher, per-model estimates and serving counts."""
        return json.loads(self._call("GET", "/v1/state"))

    def health(self):
        """GET /healthz (needs no token)."""
        return json.loads(self._call("GET", "/healthz"))

    def metrics(self):
        """GET /metrics: Prometheus text."""
        return self._call("GET", "/metrics")


def _read(path):
    return sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Call a reward-router server.")
    parser.add_argument("--url", default=os.environ.get("REWARD_ROUTER_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--retries", type=int, default=5)
    parser.add_argument("--eval", action="store_true", help="send as evaluation traffic (never moves the routing state)")
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser("score", help="POST /v1/score with the groups in FILE ('-' for stdin)")
    score.add_argument("file")
    samples = commands.add_parser("samples", help="POST /v1/samples with the samples in FILE ('-' for stdin)")
    samples.add_argument("file")
    commands.add_parser("state", help="GET /v1/state")
    commands.add_parser("health", help="GET /healthz")
    commands.add_parser("metrics", help="GET /metrics")
    get_reward = commands.add_parser("get-reward", help="POST /get_reward with one sample")
    get_reward.add_argument("--prompt", required=True)
    get_reward.add_argument("--query", required=True)
    get_reward.add_argument("--label", help="the sample's label (for a verifier in the server's config)")
    args = parser.parse_args(argv)

    client = RewardRouterClient(args.url, timeout=args.timeout, retries=args.retries)
    try:
        if args.command == "score":
            payload = json.loads(_read(args.file))
            print(json.dumps(client.score(payload["groups"] if isinstance(payload, dict) else payload, args.eval)))
        elif args.command == "samples":
            payload = json.loads(_read(args.file))
            print(json.dumps(client.samples(payload["samples"] if isinstance(payload, dict) else payload, args.eval)))
        elif args.command == "state":
            print(json.dumps(client.state()))
        elif args.command == "health":
            print(json.dumps(client.health()))
        elif args.command == "metrics":
            sys.stdout.write(client.metrics())
        else:
            print(json.dumps(client.get_reward([args.query], [args.prompt], None if args.label is None else [args.label], evaluation=args.eval)))
    except RewardRouterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
