#!/usr/bin/env bash
# OpenRLHF with the reward router as its remote reward model (protocol: docs/server.md, "POST /get_reward").
#
# OpenRLHF posts one sample per call ({"query": [prompt + response], "prompts": [prompt], "labels": [label]}) and
# reads "rewards" from the answer. The server holds each sample until its prompt's group is complete
# (--group-size = n_samples_per_prompt), routes complete groups together (--step-groups = rollout_batch_size, so the
# router sees one training step as one step), and answers each call with the reward of its own sample. No sample
# waits longer than --flush-ms; a group still incomplete by then is routed with what it has.
#
# --label_key names the dataset column OpenRLHF sends as "labels": a verifier in models.json (say the reference,
# {"id": "correct", "type": "verifier", "kind": "numeric"}) checks each sample against it. Without --label_key
# OpenRLHF sends "" for every sample, which the server reads as "no label".
#
# OpenRLHF's HTTP client sends no Authorization header, so do not set REWARD_ROUTER_TOKEN for this setup: keep the
# server on 127.0.0.1 (the default) or on a private network.
set -euo pipefail

N_SAMPLES=8          # OpenRLHF --n_samples_per_prompt
ROLLOUT_BATCH=128    # OpenRLHF --rollout_batch_size (prompts per step)
PORT=8000

reward-router serve --config models.json --host 127.0.0.1 --port "$PORT" \
  --group-size "$N_SAMPLES" --step-groups "$ROLLOUT_BATCH" --flush-ms 5000 &
SERVER=$!
trap 'kill -TERM "$SERVER"; wait "$SERVER"' EXIT   # SIGTERM: the server answers what is in flight, then exits
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 1; done

# OpenRLHF before 0.10 (flat flags). From 0.10 the same settings are --reward.remote_url and
# --rollout.n_samples_per_prompt (see OpenRLHF's migration table).
python3 -m openrlhf.cli.train_ppo_ray \
  --pretrain Qwen/Qwen2.5-0.5B-Instruct \
  --remote_rm_url "http://127.0.0.1:$PORT/get_reward" \
  --n_samples_per_prompt "$N_SAMPLES" \
  --rollout_batch_size "$ROLLOUT_BATCH" \
  --advantage_estimator group_norm \
  --prompt_data your/prompt-dataset --input_key prompt \
  --label_key answer \
  --save_path ./checkpoint

# While it trains: curl -s http://127.0.0.1:$PORT/v1/state   and   curl -s http://127.0.0.1:$PORT/metrics
