"""verl custom reward functions backed by the reward-router server. Standard library only.

verl loads a reward function from a file named in its config (``custom_reward_function.path`` and
``custom_reward_function.name``). verl does not pass the prompt to a reward function, so put it in each row's
``extra_info`` when you preprocess the dataset (``extra_info["prompt"]``; ``extra_info["question"]`` also works).

Recommended: the batch form, one router step per verl step::

    reward-router serve --config models.json --port 8000
    python3 -m verl.trainer.main_ppo \\
        algorithm.adv_estimator=grpo actor_rollout_ref.rollout.n=8 \\
        reward_model.reward_manager=batch \\
        custom_reward_function.path=examples/python/verl_custom_reward.py \\
        custom_reward_function.name=compute_score_batch ...

``compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos)`` regroups the responses by prompt
and sends the groups to ``POST /v1/score``, each response with its ``ground_truth`` as its label (for a verifier
in the server's config; a group is sent without labels when any of its ground truths is None).

Per sample (verl's default signature ``compute_score(data_source, solution_str, ground_truth, extra_info)``) posts
to ``POST /get_reward``, where the server regroups samples by prompt across calls; start the server with
``--group-size`` equal to ``actor_rollout_ref.rollout.n``. It suits reward managers that call the function
concurrently; with verl's sequential ``naive`` manager each call would wait ``--flush-ms`` for its group, so use
the batch form there.

Settings (environment): ``REWARD_ROUTER_URL`` (default ``http://127.0.0.1:8000``), ``REWARD_ROUTER_TOKEN``,
``REWARD_ROUTER_TIMEOUT`` (seconds, default 300).
"""

import json
import os
import urllib.error
import urllib.request


def _post(path, body):
    headers = {"Content-Type": "application/json"}
    token = os.environ.get("REWARD_ROUTER_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = os.environ.get("REWARD_ROUTER_URL", "http://127.0.0.1:8000").rstrip("/") + path
    request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=float(os.environ.get("REWARD_ROUTER_TIMEOUT", "300"))) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        # Never train on a made-up reward: fail with the server's reason.
        raise RuntimeError(f"reward-router answered {error.code}: {error.read().decode('utf-8', errors='replace')}") from None


def _prompt(extra_info):
    extra_info = extra_info or {}
    prompt = extra_info.get("prompt", extra_info.get("question"))
    if not isinstance(prompt, str):
        raise ValueError("verl_custom_reward: put the prompt text in extra_info['prompt'] when preprocessing the dataset")
    return prompt


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """One sample (verl's per-sample signature): the router reward of ``solution_str``, ``ground_truth`` its label."""
    prompt = _prompt(extra_info)
    answer = _post("/get_reward", {"query": [prompt + solution_str], "prompts": [prompt], "labels": [ground_truth]})
    return float(answer["rewards"][0])


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos, **kwargs):
    """A whole batch (``reward_model.reward_manager=batch``): one reward per response, in order."""
    groups = {}
    for index, (solution, extra_info) in enumerate(zip(solution_strs, extra_infos)):
        prompt = _prompt(extra_info)
        group = groups.get(prompt)
        if group is None:
            group = groups[prompt] = {"prompt_id": f"g{len(groups)}", "prompt": prompt, "completions": [], "indices": []}
        group["completions"].append(solution)
        group["indices"].append(index)
        group.setdefault("labels", []).append(ground_truths[index] if ground_truths is not None else None)

    def wire(group):
        out = {key: group[key] for key in ("prompt_id", "prompt", "completions")}
        if all(label is not None for label in group["labels"]):
            out["labels"] = group["labels"]
        return out

    answer = _post("/v1/score", {"groups": [wire(group) for group in groups.values()]})
    routed = {group["prompt_id"]: group["rewards"] for group in answer["groups"]}
    rewards = [0.0] * len(solution_strs)
    for group in groups.values():
        for index, reward in zip(group["indices"], routed[group["prompt_id"]]):
            rewards[index] = float(reward)
    return rewards
