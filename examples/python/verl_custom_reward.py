"""verl custom reward functions backed by the reward-router server. Standard library only.

verl loads a reward function from a file named in its config (``custom_reward_function.path`` and
``custom_reward_function.name``). verl does not pass the prompt to a reward function, so put it in each row's
``extra_info`` when you preprocess the dataset (``extra_info["prompt"]``; ``extra_info["question"]``, which verl's
own preprocessing scripts write, also works). Start the server with ``--group-size`` equal to
``actor_rollout_ref.rollout.n``.

verl >= 0.7 (the reward loop is the default, ``reward_model.use_reward_loop=True``; its managers are ``naive``,
``dapo``, ``remote`` and ``rate_limited``): use the per-sample ``compute_score``. The reward loop calls it for every
sample at once, in a thread pool, in any order; the server scores each sample at once with its group's teacher and
assembles the groups by prompt::

    python3 -m verl.trainer.main_ppo \\
        algorithm.adv_estimator=grpo actor_rollout_ref.rollout.n=8 \\
        custom_reward_function.path=examples/python/verl_custom_reward.py \\
        custom_reward_function.name=compute_score \\
        +custom_reward_function.reward_kwargs.reward_router_url=http://127.0.0.1:8000 ...

verl < 0.7, or ``reward_model.use_reward_loop=False`` (the legacy managers): ``reward_model.reward_manager=naive``
calls the same ``compute_score`` one sample at a time (each is answered at once, so nothing waits);
``reward_model.reward_manager=batch`` calls ``compute_score_batch(data_sources, solution_strs, ground_truths,
extra_infos)`` with the whole batch, whose groups go to ``POST /v1/score`` as one router step. The ``batch``
manager does not exist in the reward loop: with verl >= 0.7 it needs ``reward_model.use_reward_loop=False``.

Labels: each response's ``ground_truth`` is sent as its label, for a verifier in the server's config (a group is sent
without labels when any of its ground truths is None).

Validation: rows whose ``extra_info["split"]`` is ``"test"``, ``"val"`` or ``"validation"`` (verl's preprocessing
writes the split) are sent as evaluation traffic, which never moves the routing state.

Settings: the ``reward_router_url`` keyword (``custom_reward_function.reward_kwargs``) or ``REWARD_ROUTER_URL``
(default ``http://127.0.0.1:8000``), ``REWARD_ROUTER_TOKEN``, ``REWARD_ROUTER_TIMEOUT`` (seconds, default 300),
``REWARD_ROUTER_RETRIES`` (default 8).
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from client import RewardRouterError, request_json  # noqa: E402

EVALUATION_SPLITS = ("test", "val", "validation")


def _post(path, body, evaluation, url=None):
    base = (url or os.environ.get("REWARD_ROUTER_URL", "http://127.0.0.1:8000")).rstrip("/")
    try:
        text = request_json(
            base + path,
            body,
            token=os.environ.get("REWARD_ROUTER_TOKEN") or None,
            timeout=float(os.environ.get("REWARD_ROUTER_TIMEOUT", "300")),
            retries=int(os.environ.get("REWARD_ROUTER_RETRIES", "8")),
            headers={"X-Reward-Router-Traffic": "eval"} if evaluation else None,
        )
    except RewardRouterError as error:
        # Never train on a made-up reward: fail with the server's reason.
        raise RuntimeError(f"reward-router: {error}") from None
    return json.loads(text)


def _prompt(extra_info):
    extra_info = extra_info or {}
    prompt = extra_info.get("prompt", extra_info.get("question"))
    if not isinstance(prompt, (str, list)):
        raise ValueError("verl_custom_reward: put the prompt (text or chat messages) in extra_info['prompt'] when preprocessing the dataset")
    return prompt


def _is_evaluation(extra_info):
    return str((extra_info or {}).get("split", "")).lower() in EVALUATION_SPLITS


def compute_score(data_source, solution_str, ground_truth, extra_info=None, reward_router_url=None, **kwargs):
    """One sample (verl's per-sample signature): the router reward of ``solution_str``, ``ground_truth`` its label."""
    sample = {"prompt": _prompt(extra_info), "completion": solution_str}
    if ground_truth is not None and ground_truth != "":
        sample["label"] = ground_truth
    answer = _post("/v1/samples", {"samples": [sample]}, _is_evaluation(extra_info), reward_router_url)
    return float(answer["rewards"][0])


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos, reward_router_url=None, **kwargs):
    """A whole batch (legacy ``reward_model.reward_manager=batch``): one reward per response, in order."""
    groups = {}
    for index, (solution, extra_info) in enumerate(zip(solution_strs, extra_infos)):
        prompt = _prompt(extra_info)
        key = (json.dumps(prompt), _is_evaluation(extra_info))
        group = groups.get(key)
        if group is None:
            group = groups[key] = {"prompt_id": f"g{len(groups)}", "prompt": prompt, "completions": [], "indices": [], "evaluation": key[1]}
        group["completions"].append(solution)
        group["indices"].append(index)
        group.setdefault("labels", []).append(ground_truths[index] if ground_truths is not None else None)

    def wire(group):
        out = {key: group[key] for key in ("prompt_id", "prompt", "completions")}
        if all(label is not None for label in group["labels"]):
            out["labels"] = group["labels"]
        return out

    rewards = [0.0] * len(solution_strs)
    for evaluation in (False, True):
        chosen = [group for group in groups.values() if group["evaluation"] is evaluation]
        if not chosen:
            continue
        answer = _post("/v1/score", {"groups": [wire(group) for group in chosen]}, evaluation, reward_router_url)
        routed = {group["prompt_id"]: group["rewards"] for group in answer["groups"]}
        for group in chosen:
            for index, reward in zip(group["indices"], routed[group["prompt_id"]]):
                rewards[index] = float(reward)
    return rewards
