"""A TRL ``GRPOTrainer`` (or ``RLOOTrainer``) reward function backed by the reward-router server. Standard library only.

Start the server with the group size TRL uses, then pass ``reward_router`` as a reward function::

    # reward-router serve --config models.json --port 8000 --group-size 8   (= num_generations)
    from trl import GRPOConfig, GRPOTrainer
    from trl_grpo_reward import reward_router

    trainer = GRPOTrainer(
        model="Qwen/Qwen2.5-0.5B-Instruct",
        reward_funcs=reward_router,
        args=GRPOConfig(output_dir="out", num_generations=8),
        train_dataset=dataset,
    )
    trainer.train()

TRL calls the function on every process with that process's share of the batch (``prompts`` and ``completions``,
each prompt repeated once per generation; with several GPUs one prompt's generations are spread over ranks) plus
dataset columns, ``trainer_state`` and, from TRL 1.0, ``log_metric`` / ``log_extra``. The function posts the
samples to ``POST /v1/samples``: the server scores each at once with its group's teacher and assembles the groups
by prompt across ranks, so every rank gets rewards on one scale per group. Standard (strings) and conversational
(lists of ``{"role", "content"}`` messages, content a string or text blocks) formats are both sent as they are.

Evaluation: when TRL evaluates (its model is not in training mode, seen through ``log_metric``'s trainer on
TRL >= 1.0), the samples go as evaluation traffic and never move the routing state. On TRL 0.x start the server
with ``--eval-group-size`` equal to ``num_generations_eval`` instead (docs/integrations.md).

Retries: 429 and 503 answers and refused connections are retried with exponential backoff (TRL itself has none,
so one restart of the server would otherwise fail the step); a reward is never made up.

Labels: the dataset column holding each prompt's reference answer is sent as each sample's ``label``, for a
verifier in the server's config. The column is ``REWARD_ROUTER_LABEL_COLUMN`` when set (empty:
send none), else the first of ``label``, ``ground_truth``, ``answer``, ``solution`` that the batch has.

Settings (environment): ``REWARD_ROUTER_URL`` (default ``http://127.0.0.1:8000``), ``REWARD_ROUTER_TOKEN`` (bearer
token, when the server has one), ``REWARD_ROUTER_TIMEOUT`` (seconds, default 300), ``REWARD_ROUTER_RETRIES``
(default 8), ``REWARD_ROUTER_LABEL_COLUMN``.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from client import RewardRouterError, request_json  # noqa: E402


def _is_evaluation(kwargs):
    """True while TRL evaluates: the trainer behind ``log_metric`` (TRL >= 1.0) has its model out of training mode."""
    trainer = getattr(kwargs.get("log_metric"), "__self__", None)
    model = getattr(trainer, "model", None)
    return model is not None and getattr(model, "training", True) is False


LABEL_COLUMNS = ("label", "ground_truth", "answer", "solution")


def _label_column(kwargs):
    """The dataset column sent as labels, or None."""
    if "REWARD_ROUTER_LABEL_COLUMN" in os.environ:
        return os.environ["REWARD_ROUTER_LABEL_COLUMN"] or None
    return next((name for name in LABEL_COLUMNS if name in kwargs), None)


def reward_router(prompts, completions, **kwargs):
    """TRL reward function: one float per completion, in TRL's order, from the reward router."""
    column = _label_column(kwargs)
    labels = kwargs.get(column) if column else None
    samples = []
    for index, (prompt, completion) in enumerate(zip(prompts, completions)):
        sample = {"prompt": prompt, "completion": completion}
        if labels is not None and labels[index] is not None:
            sample["label"] = labels[index]
        samples.append(sample)
    if not samples:
        return []
    url = os.environ.get("REWARD_ROUTER_URL", "http://127.0.0.1:8000").rstrip("/") + "/v1/samples"
    headers = {"X-Reward-Router-Traffic": "eval"} if _is_evaluation(kwargs) else None
    try:
        text = request_json(
            url,
            {"samples": samples},
            token=os.environ.get("REWARD_ROUTER_TOKEN") or None,
            timeout=float(os.environ.get("REWARD_ROUTER_TIMEOUT", "300")),
            retries=int(os.environ.get("REWARD_ROUTER_RETRIES", "8")),
            headers=headers,
        )
    except RewardRouterError as error:
        # Never train on a made-up reward: fail the step with the server's reason.
        raise RuntimeError(f"reward-router: {error}") from None
    return [float(reward) for reward in json.loads(text)["rewards"]]
