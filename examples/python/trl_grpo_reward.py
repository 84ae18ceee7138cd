"""A TRL ``GRPOTrainer`` reward function backed by the reward-router server. Standard library only.

Start the server, then pass ``reward_router`` as a reward function::

    # reward-router serve --config models.json --port 8000
    from trl import GRPOConfig, GRPOTrainer
    from trl_grpo_reward import reward_router

    trainer = GRPOTrainer(
        model="Qwen/Qwen2.5-0.5B-Instruct",
        reward_funcs=reward_router,
        args=GRPOConfig(output_dir="out", num_generations=8),
        train_dataset=dataset,
    )
    trainer.train()

TRL calls the function with the batch's ``prompts`` and ``completions`` (each prompt repeated once per generation)
plus dataset columns as keyword arguments. The function regroups the completions by prompt, sends the groups to
``POST /v1/score`` (one router step per call), and returns one float per completion, in TRL's order. The router's
rewards are normalized by default, so switching teachers does not jump the reward scale.

Labels: the dataset column holding each prompt's reference answer is sent as the groups' ``labels`` (one per
completion), for a verifier in the server's config. The column is ``REWARD_ROUTER_LABEL_COLUMN`` when set (empty:
send none), else the first of ``label``, ``ground_truth``, ``answer``, ``solution`` that the batch has.

Settings (environment): ``REWARD_ROUTER_URL`` (default ``http://127.0.0.1:8000``), ``REWARD_ROUTER_TOKEN`` (bearer
token, when the server has one), ``REWARD_ROUTER_TIMEOUT`` (seconds, default 300), ``REWARD_ROUTER_LABEL_COLUMN``.
"""

import json
import os
import urllib.error
import urllib.request


def _text(value):
    """A prompt or completion as text: plain strings as they are, chat messages as ``role: content`` lines."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("content", ""))
    if len(value) == 1 and isinstance(value[0], dict) and value[0].get("role") == "assistant":
        return str(value[0].get("content", ""))
    return "\n".join(f"{message.get('role', 'user')}: {message.get('content', '')}" for message in value)


LABEL_COLUMNS = ("label", "ground_truth", "answer", "solution")


def _label_column(kwargs):
    """The dataset column sent as labels, or None."""
    if "REWARD_ROUTER_LABEL_COLUMN" in os.environ:
        return os.environ["REWARD_ROUTER_LABEL_COLUMN"] or None
    return next((name for name in LABEL_COLUMNS if name in kwargs), None)


def reward_router(prompts, completions, **kwargs):
    """TRL reward function: one float per completion, from the reward router."""
    column = _label_column(kwargs)
    labels = kwargs.get(column) if column else None
    groups = {}
    for index, (prompt, completion) in enumerate(zip(prompts, completions)):
        text = _text(prompt)
        group = groups.get(text)
        if group is None:
            group = groups[text] = {"prompt_id": f"g{len(groups)}", "prompt": text, "completions": [], "indices": [], "labels": []}
        group["completions"].append(_text(completion))
        group["indices"].append(index)
        group["labels"].append(None if labels is None else labels[index])

    def wire(group):
        out = {key: group[key] for key in ("prompt_id", "prompt", "completions")}
        if all(label is not None for label in group["labels"]):
            out["labels"] = group["labels"]
        return out

    body = {"groups": [wire(group) for group in groups.values()]}
    headers = {"Content-Type": "application/json"}
    token = os.environ.get("REWARD_ROUTER_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = os.environ.get("REWARD_ROUTER_URL", "http://127.0.0.1:8000").rstrip("/") + "/v1/score"
    request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=float(os.environ.get("REWARD_ROUTER_TIMEOUT", "300"))) as response:
            answer = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        # Never train on a made-up reward: fail the step with the server's reason.
        raise RuntimeError(f"reward-router answered {error.code}: {error.read().decode('utf-8', errors='replace')}") from None

    rewards = [0.0] * len(completions)
    routed = {group["prompt_id"]: group["rewards"] for group in answer["groups"]}
    for group in groups.values():
        for index, reward in zip(group["indices"], routed[group["prompt_id"]]):
            rewards[index] = float(reward)
    return rewards
