#!/usr/bin/env bash
# OpenRLHF with the reward router as its remote reward model (docs/integrations.md, "OpenRLHF").
#
# OpenRLHF >= 0.9.1 posts one sample per call as each generation finishes ({"query": [prompt + response],
# "prompts": [prompt], "labels": [label]}); 0.8 and 0.9.0 post whole rollout batches. Either way the server answers
# each sample at once with its group's teacher (--group-size = n_samples_per_prompt), assembles the groups by prompt
# and feeds them to the router in the background (--step-groups = rollout batch size: one router step per training
# step). Evaluation groups (--eval-group-size = eval n_samples_per_prompt) never move the routing state. `scores`
# in the answers lie in (0, 1), so OpenRLHF's dynamic filtering with its default range keeps every group.
#
# The flags are OpenRLHF's own and changed names in 0.10.2 (flat `--remote_rm_url` became `--reward.remote_url`);
# this script asks the installed OpenRLHF which ones it takes.
#
# LABEL_KEY=answer names the dataset column OpenRLHF sends as "labels" (--label_key, from 0.10.2 --data.label_key):
# a verifier in models.json (say the reference, {"id": "correct", "type": "verifier", "kind": "numeric"}) checks
# each sample against it. Without a label key OpenRLHF sends "" for every sample, which the server reads as "no label".
#
# OpenRLHF's HTTP client sends no Authorization header, so do not set REWARD_ROUTER_TOKEN for this setup: keep the
# server on 127.0.0.1 (the default) or on a private network.
set -euo pipefail

N_SAMPLES="${N_SAMPLES:-8}"                  # OpenRLHF n_samples_per_prompt
EVAL_N_SAMPLES="${EVAL_N_SAMPLES:-4}"        # OpenRLHF eval n_samples_per_prompt (its default is 4)
ROLLOUT_BATCH="${ROLLOUT_BATCH:-128}"        # OpenRLHF rollout batch size (prompts per step)
PORT="${PORT:-8000}"
MODELS="${MODELS:-models.json}"
LABEL_KEY="${LABEL_KEY:-}"                   # dataset column with the reference answer, for a verifier (optional)
PRETRAIN="${PRETRAIN:-Qwen/Qwen2.5-0.5B-Instruct}"
PROMPT_DATA="${PROMPT_DATA:-your/prompt-dataset}"
SAVE_PATH="${SAVE_PATH:-./checkpoint}"
# OpenRLHF 0.8 / 0.9.0 send a whole rollout batch per call: 128 prompts x 8 samples of a few thousand characters
# pass the server's default 16 MiB body limit, so raise it (docs/integrations.md, "Large batches").
MAX_BODY_BYTES="${MAX_BODY_BYTES:-67108864}"
# Longest a prompt's group stays open for its samples: above the slowest generation of one step.
GROUP_WINDOW_MS="${GROUP_WINDOW_MS:-60000}"

reward-router serve --config "$MODELS" --host 127.0.0.1 --port "$PORT" \
  --group-size "$N_SAMPLES" --step-groups "$ROLLOUT_BATCH" --eval-group-size "$EVAL_N_SAMPLES" \
  --group-window-ms "$GROUP_WINDOW_MS" --max-body-bytes "$MAX_BODY_BYTES" &
SERVER=$!
trap 'kill -TERM "$SERVER" 2>/dev/null; wait "$SERVER" || true' EXIT   # SIGTERM: the server answers what is in flight, then exits
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.2; done
URL="http://127.0.0.1:$PORT/get_reward"

if python3 -m openrlhf.cli.train_ppo_ray --help 2>/dev/null | grep -q -- '--reward.remote_url'; then
  # OpenRLHF >= 0.10.2: grouped flags.
  FLAGS=(
    --actor.model_name_or_path "$PRETRAIN"
    --reward.remote_url "$URL"
    --rollout.n_samples_per_prompt "$N_SAMPLES"
    --rollout.batch_size "$ROLLOUT_BATCH"
    --eval.n_samples_per_prompt "$EVAL_N_SAMPLES"
    --algo.advantage.estimator group_norm
    --data.prompt_dataset "$PROMPT_DATA" --data.input_key prompt
    ${LABEL_KEY:+--data.label_key "$LABEL_KEY"}
    --ckpt.output_dir "$SAVE_PATH"
  )
else
  # OpenRLHF 0.8 to 0.10.1: flat flags.
  FLAGS=(
    --pretrain "$PRETRAIN"
    --remote_rm_url "$URL"
    --n_samples_per_prompt "$N_SAMPLES"
    --rollout_batch_size "$ROLLOUT_BATCH"
    --eval_n_samples_per_prompt "$EVAL_N_SAMPLES"
    --advantage_estimator group_norm
    --prompt_data "$PROMPT_DATA" --input_key prompt
    ${LABEL_KEY:+--label_key "$LABEL_KEY"}
    --save_path "$SAVE_PATH"
  )
fi

python3 -m openrlhf.cli.train_ppo_ray "${FLAGS[@]}" "$@"

# While it trains: curl -s http://127.0.0.1:$PORT/v1/state   and   curl -s http://127.0.0.1:$PORT/metrics
