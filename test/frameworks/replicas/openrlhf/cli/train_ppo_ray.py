"""`python -m openrlhf.cli.train_ppo_ray`, as far as the reward server sees it (see openrlhf/__init__.py)."""

import argparse
import asyncio
import json
import os
import time
import urllib.request

import openrlhf

VERSION = tuple(int(part) for part in openrlhf.__version__.split(".")[:3])
GROUPED_FLAGS = VERSION >= (0, 10, 2)


def parse_args():
    parser = argparse.ArgumentParser()
    if GROUPED_FLAGS:
        # OpenRLHF 0.10.2 renamed the flags into groups (train_ppo_ray.py).
        parser.add_argument("--actor.model_name_or_path", dest="pretrain")
        parser.add_argument("--reward.remote_url", dest="remote_url", default=None)
        parser.add_argument("--rollout.n_samples_per_prompt", dest="n_samples_per_prompt", type=int, default=1)
        parser.add_argument("--rollout.batch_size", dest="rollout_batch_size", type=int, default=1024)
        parser.add_argument("--eval.n_samples_per_prompt", dest="eval_n_samples_per_prompt", type=int, default=4)
        parser.add_argument("--algo.advantage.estimator", dest="advantage_estimator", default="gae")
        parser.add_argument("--algo.dynamic_filtering_enable", dest="dynamic_filtering", action="store_true", default=False)
        parser.add_argument("--algo.dynamic_filtering_range", dest="dynamic_filtering_range", nargs=2, default=(0, 1), type=float)
        parser.add_argument("--data.prompt_dataset", dest="prompt_data")
        parser.add_argument("--data.input_key", dest="input_key", default="input")
        parser.add_argument("--ckpt.output_dir", dest="save_path", default="./ckpt")
    else:
        parser.add_argument("--pretrain")
        parser.add_argument("--remote_rm_url", dest="remote_url", default=None)
        parser.add_argument("--n_samples_per_prompt", type=int, default=1)
        parser.add_argument("--rollout_batch_size", type=int, default=1024)
        parser.add_argument("--eval_n_samples_per_prompt", type=int, default=4)
        parser.add_argument("--advantage_estimator", default="gae")
        if VERSION >= (0, 9, 0):
            parser.add_argument("--dynamic_filtering", action="store_true", default=False)
            parser.add_argument("--dynamic_filtering_reward_range", dest="dynamic_filtering_range", nargs=2, default=(0, 1), type=float)
        parser.add_argument("--prompt_data")
        parser.add_argument("--input_key", default="input")
        parser.add_argument("--save_path", default="./ckpt")
    args = parser.parse_args()
    if args.remote_url:
        args.remote_url = args.remote_url.split(",")
    return args


def post(url, data, try_max_times=5):
    """requests.post / aiohttp post with raise_for_status and 5 tries, 1 s apart (remote_rm_utils.py, agent.py)."""
    for _ in range(try_max_times):
        try:
            request = urllib.request.Request(url, data=json.dumps(data).encode(), headers={"Content-Type": "application/json"}, method="POST")
            with urllib.request.urlopen(request, timeout=180) as response:
                return json.loads(response.read())
        except Exception as error:  # noqa: BLE001 - OpenRLHF logs and retries on any error
            print(f"Request error, please check: {error}", flush=True)
        time.sleep(1)
    raise RuntimeError(f"Request error for {try_max_times} times, returning None. Please check the API server.")


def shard(urls, queries, prompts, labels):
    """Contiguous shards over the servers, as every version does; a server may get an empty shard."""
    size = (len(queries) + len(urls) - 1) // len(urls)
    return [(url, {"query": queries[i * size:(i + 1) * size], "prompts": prompts[i * size:(i + 1) * size], "labels": labels[i * size:(i + 1) * size]}) for i, url in enumerate(urls)]


def single_turn_reward(urls, query, prompt, label):
    """SingleTurnAgentExecutor (0.9.1+): one sample per call, the first server's answer is the sample's."""
    infos = [post(url, payload) for url, payload in shard(urls, [query], [prompt], [label])]
    info = infos[0]
    score = info.get("scores")
    if score is None:
        score = info.get("rewards")
    return {"reward": info.get("rewards"), "scores": score, "extra_logs": info.get("extra_logs") or {}}


def batched_rewards(urls, queries, prompts, labels):
    """0.8: remote_rm_fn reads `rewards`; 0.9: update_samples_with_rewards concatenates rewards, scores, extra_logs."""
    infos = [post(url, payload) for url, payload in shard(urls, queries, prompts, labels)]
    rewards = sum((list(info["rewards"]) for info in infos), [])
    if VERSION < (0, 9, 0):
        return [{"reward": [reward], "scores": [reward], "extra_logs": {}} for reward in rewards]
    scores = sum((list(info["scores"]) for info in infos), []) if "scores" in infos[0] else rewards
    keys = list(infos[0].get("extra_logs", {}).keys())
    logs = {key: sum((list(info["extra_logs"][key]) for info in infos), []) for key in keys}
    return [{"reward": [rewards[i]], "scores": [scores[i]], "extra_logs": {key: [logs[key][i]] for key in keys}} for i in range(len(rewards))]


def phase(args, rollouts, samples_per_prompt):
    """One generate phase: every prompt's samples, rewarded as this version does, then dynamic filtering."""
    samples = [(row["prompt"], completion, row.get("label")) for row in rollouts for completion in row["completions"][:samples_per_prompt]]
    queries = [prompt + completion for prompt, completion, _ in samples]
    if VERSION >= (0, 9, 1):
        async def run():
            loop = asyncio.get_running_loop()
            return await asyncio.gather(*(loop.run_in_executor(None, single_turn_reward, args.remote_url, query, prompt, label) for query, (prompt, _, label) in zip(queries, samples)))
        infos = asyncio.run(run())
    else:
        infos = batched_rewards(args.remote_url, queries, [prompt for prompt, _, _ in samples], [label for _, _, label in samples])
    results = [{"prompt": prompt, "completion": completion, **info} for (prompt, completion, _), info in zip(samples, infos)]
    kept = []
    if getattr(args, "dynamic_filtering", False):
        low, high = args.dynamic_filtering_range
        for row in rollouts:
            scores = [result["scores"][0] for result in results if result["prompt"] == row["prompt"]]
            average = sum(scores) / len(scores)
            if low < average < high:
                kept.append(row["prompt"])
    return {"samples": results, "kept": kept}


def main():
    args = parse_args()
    with open(os.environ["OPENRLHF_REPLICA_ROLLOUTS"], encoding="utf-8") as file:
        rollouts = json.load(file)
    out = {
        "version": openrlhf.__version__,
        "urls": args.remote_url,
        "flags": "grouped" if GROUPED_FLAGS else "flat",
        "train": phase(args, rollouts["train"], args.n_samples_per_prompt),
        "eval": phase(args, rollouts.get("eval", []), args.eval_n_samples_per_prompt),
    }
    # Not OpenRLHF: the test also wants the server's own counts before the script stops it.
    state_url = args.remote_url[0].rsplit("/", 1)[0] + "/v1/state"
    expected = len(rollouts["train"]) + len(rollouts.get("eval", []))
    for _ in range(100 if len(args.remote_url) == 1 else 0):
        with urllib.request.urlopen(state_url, timeout=10) as response:
            out["state"] = json.loads(response.read())
        serving = out["state"]["serving"]
        if serving["completeGroups"] + serving["partialGroups"] + serving["evaluationGroups"] >= expected:
            break
        time.sleep(0.1)
    with open(os.environ["OPENRLHF_REPLICA_OUT"], "w", encoding="utf-8") as file:
        json.dump(out, file)


if __name__ == "__main__":
    main()
