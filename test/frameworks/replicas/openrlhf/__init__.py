"""A stand-in for the `openrlhf` package: only the reward-server calls of `train_ppo_ray`, with the version's flags.

GPUs, vLLM and Ray are replaced by canned generations (OPENRLHF_REPLICA_ROLLOUTS); everything between the trainer
and the reward server follows OpenRLHF's code of the version in OPENRLHF_REPLICA_VERSION (0.8.0, 0.9.0, 0.10.1,
0.11.0): flag names (argparse, unknown flags are errors), how queries are sent (one per call from 0.9.1, whole
batches before), sharding over several `remote_rm_url`s, 5 tries with 1 s pauses, what is read back, and the
dynamic filtering rule.
"""

__version__ = __import__("os").environ.get("OPENRLHF_REPLICA_VERSION", "0.11.0")
