#!/usr/bin/env python3
"""Client for the reward-router server (protocol: docs/server.md). Python standard library only.

Library use::

    from client import RewardRouterClient

    client = RewardRouterClient("http://127.0.0.1:8000")  # token: REWARD_ROUTER_TOKEN by default
    result = client.score([{"prompt_id": "p1", "prompt": "Say hi.", "completions": [" Hi!", " Go away."]}])
    result["groups"][0]["rewards"]  # one reward per completion, in order

Command line::

    python3 client.py --url http://127.0.0.1:8000 score groups.json   # groups.json: {"groups": [...]} or [...]
    python3 client.py --url http://127.0.0.1:8000 state
    python3 client.py --url http://127.0.0.1:8000 health
    python3 client.py --url http://127.0.0.1:8000 metrics
    python3 client.py --url http://127.0.0.1:8000 get-reward --prompt "Say hi." --query "Say hi. Hi!" [--label "Hi!"]

Exit codes: 0 ok, 1 the server answered an error (printed as ``error: STATUS CODE: message``), 2 bad usage.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request


class RewardRouterError(Exception):
    """The server answered with an error (``{"error": {"code", "message"}}``), or could not be reached."""

    def __init__(self, status, code, message, body=None):
        super().__init__(f"{status if status is not None else 'no response'} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = body


class RewardRouterClient:
    """Calls one reward-router server.

    ``token`` defaults to the ``REWARD_ROUTER_TOKEN`` environment variable. 503 answers (shutting down, a model
    resting after failures) and refused connections are retried ``retries`` times with a growing pause; every other
    error raises ``RewardRouterError`` at once, and a reward is never made up.
    """

    def __init__(self, url, token=None, timeout=300.0, retries=3, backoff_seconds=1.0):
        self.url = url.rstrip("/")
        self.token = token if token is not None else os.environ.get("REWARD_ROUTER_TOKEN") or None
        self.timeout = timeout
        self.retries = retries
        self.backoff_seconds = backoff_seconds

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return response.read().decode("utf-8")
            except urllib.error.HTTPError as error:
                text = error.read().decode("utf-8", errors="replace")
                try:
                    detail = json.loads(text)["error"]
                    code, message = detail["code"], detail["message"]
                except (ValueError, KeyError, TypeError):
                    detail, code, message = None, "HTTP_ERROR", text[:500]
                if error.code == 503 and attempt < self.retries:
                    retry_after = error.headers.get("Retry-After")
                    time.sleep(float(retry_after) if retry_after and retry_after.isdigit() else self.backoff_seconds * (attempt + 1))
                    continue
                raise RewardRouterError(error.code, code, message, detail) from None
            except urllib.error.URLError as error:
                if attempt < self.retries:
                    time.sleep(self.backoff_seconds * (attempt + 1))
                    continue
                raise RewardRouterError(None, "CONNECTION_ERROR", str(error.reason)) from None
        raise AssertionError("unreachable")

    def score(self, groups):
        """POST /v1/score: ``groups`` is a list of ``{"prompt_id", "prompt", "completions"}``, each optionally with a
        ``label`` (or ``labels``, one per completion) for a verifier. Returns the response dict."""
        return json.loads(self._call("POST", "/v1/score", {"groups": list(groups)}))

    def rewards(self, groups):
        """The rewards of ``score(groups)`` as one list per group, in the order of ``groups``."""
        by_id = {group["prompt_id"]: group["rewards"] for group in self.score(groups)["groups"]}
        return [by_id[group["prompt_id"]] for group in groups]

    def get_reward(self, queries, prompts, labels=None):
        """POST /get_reward, the OpenRLHF protocol: ``queries`` are prompt + response. Returns the response dict."""
        body = {"query": list(queries), "prompts": list(prompts)}
        if labels is not None:
            body["labels"] = list(labels)
        return json.loads(self._call("POST", "/get_reward", body))

    def state(self):
        """GET /v1/state: the router's strategy, step, active teacher and per-model estimates."""
        return json.loads(self._call("GET", "/v1/state"))

    def health(self):
        """GET /healthz (needs no token)."""
        return json.loads(self._call("GET", "/healthz"))

    def metrics(self):
        """GET /metrics: Prometheus text."""
        return self._call("GET", "/metrics")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Call a reward-router server.")
    parser.add_argument("--url", default=os.environ.get("REWARD_ROUTER_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--retries", type=int, default=3)
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser("score", help="POST /v1/score with the groups in FILE ('-' for stdin)")
    score.add_argument("file")
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
            text = sys.stdin.read() if args.file == "-" else open(args.file, encoding="utf-8").read()
            payload = json.loads(text)
            groups = payload["groups"] if isinstance(payload, dict) else payload
            print(json.dumps(client.score(groups)))
        elif args.command == "state":
            print(json.dumps(client.state()))
        elif args.command == "health":
            print(json.dumps(client.health()))
        elif args.command == "metrics":
            sys.stdout.write(client.metrics())
        else:
            print(json.dumps(client.get_reward([args.query], [args.prompt], None if args.label is None else [args.label])))
    except RewardRouterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
