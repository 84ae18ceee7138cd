"""How verl calls a custom reward function, with its trainer, GPUs and tokenizer replaced by canned rollouts.

Modes (argv[1]):
- `reward-loop` (verl >= 0.7, `reward_model.use_reward_loop=True`, the default): RewardLoopWorker.compute_score_batch
  starts one task per sample and NaiveRewardManager.run_single runs the sync `compute_score` in the event loop's
  default thread pool, keyword arguments only, extra kwargs from `custom_reward_function.reward_kwargs` merged in.
- `legacy-naive` (`use_reward_loop=False`, `reward_manager=naive`): one call per sample, in a plain loop.
- `legacy-batch` (`use_reward_loop=False`, `reward_manager=batch`): one `compute_score_batch` call per batch.
- `registry NAME`: the reward loop's manager registry (naive, dapo, remote, rate_limited) looking NAME up.

The function is loaded from a file path like verl's load_extern_object. Input (argv[2]): JSON with `path`, `name`,
`reward_kwargs`, `rows` ([{data_source, solution_str, ground_truth, extra_info}]) and `order` (a permutation: the
order in which the thread pool happens to start the samples). Prints the scores in row order as JSON.
"""

import asyncio
import importlib.util
import json
import sys
from functools import partial

REWARD_LOOP_MANAGERS = ("naive", "dapo", "remote", "rate_limited")


def get_reward_manager_cls(name):
    if name not in REWARD_LOOP_MANAGERS:
        raise ValueError(f"Unknown reward manager: {name}")
    return name


def load(config):
    spec = importlib.util.spec_from_file_location("custom_module", config["path"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    raw = getattr(module, config["name"])
    extra = dict(config.get("reward_kwargs", {}))
    return partial(lambda fn, extra_kwargs, *args, **kwargs: fn(*args, **{**kwargs, **extra_kwargs}), raw, extra)


def main():
    mode = sys.argv[1]
    if mode == "registry":
        print(json.dumps(get_reward_manager_cls(sys.argv[2])))
        return
    config = json.loads(open(sys.argv[2], encoding="utf-8").read())
    fn = load(config)
    rows = config["rows"]
    if mode == "reward-loop":
        async def run_single(row):
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(None, lambda: fn(data_source=row["data_source"], solution_str=row["solution_str"], ground_truth=row["ground_truth"], extra_info=row["extra_info"]))
            return result["score"] if isinstance(result, dict) else result

        async def compute_score_batch():
            tasks = {index: asyncio.create_task(run_single(rows[index])) for index in config.get("order", range(len(rows)))}
            return [await tasks[index] for index in range(len(rows))]

        scores = asyncio.run(compute_score_batch())
    elif mode == "legacy-naive":
        scores = [fn(data_source=row["data_source"], solution_str=row["solution_str"], ground_truth=row["ground_truth"], extra_info=row["extra_info"]) for row in rows]
    elif mode == "legacy-batch":
        scores = fn(
            data_sources=[row["data_source"] for row in rows],
            solution_strs=[row["solution_str"] for row in rows],
            ground_truths=[row["ground_truth"] for row in rows],
            extra_infos=[row["extra_info"] for row in rows],
        )
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(scores))


if __name__ == "__main__":
    main()
