"""How TRL's GRPOTrainer calls a reward function (`_calculate_rewards`), with the model and generation replaced.

Each of `ranks` processes holds a contiguous slice of the generation batch (RepeatSampler repeats each prompt
`num_generations` times in a row, and the batch is split across processes, so one prompt's generations can sit on
two ranks). Every rank calls `reward_func(prompts=..., completions=..., completion_ids=..., **columns,
trainer_state=..., log_extra=..., log_metric=...)` at the same time (here: threads), then the rewards are gathered.
`log_metric` / `log_extra` are bound methods of the trainer, whose `model.training` says train or eval (TRL 1.x);
`--version 0` leaves them out, as TRL 0.x does.

Input (argv[1]): JSON with `module` (path), `name`, `ranks`, `prompts` (strings or message lists), `completions`
(one list per prompt: strings or message lists), `eval` (bool), `version` (0 or 1). Prints the gathered rewards.
"""

import importlib.util
import json
import sys
import threading


class Model:
    def __init__(self, training):
        self.training = training


class Trainer:
    def __init__(self, training):
        self.model = Model(training)
        self.state = {"global_step": 0}

    def _log_metric(self, name, value):
        pass

    def _log_completion_extra(self, column, values):
        pass


def main():
    config = json.loads(open(sys.argv[1], encoding="utf-8").read())
    spec = importlib.util.spec_from_file_location("reward_module", config["module"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reward_func = getattr(module, config["name"])
    trainer = Trainer(training=not config.get("eval", False))
    prompts = [prompt for prompt, group in zip(config["prompts"], config["completions"]) for _ in group]
    completions = [completion for group in config["completions"] for completion in group]
    ranks = config["ranks"]
    per_rank = (len(prompts) + ranks - 1) // ranks
    rewards = [None] * ranks
    errors = []

    def rank(index):
        start, end = index * per_rank, min(len(prompts), (index + 1) * per_rank)
        kwargs = {"trainer_state": trainer.state, "answer": [None] * (end - start)}
        if config.get("version", 1) >= 1:
            kwargs["log_extra"] = trainer._log_completion_extra
            kwargs["log_metric"] = trainer._log_metric
        try:
            output = reward_func(prompts=prompts[start:end], completions=completions[start:end], completion_ids=[[0]] * (end - start), **kwargs)
            rewards[index] = [float("nan") if reward is None else reward for reward in output]
        except Exception as error:  # noqa: BLE001 - reported to the test
            errors.append(str(error))

    threads = [threading.Thread(target=rank, args=(index,)) for index in range(ranks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        print(json.dumps({"errors": errors}))
        sys.exit(1)
    print(json.dumps(sum(rewards, [])))


if __name__ == "__main__":
    main()
