"""Running the harness where its users run: Slurm clusters, multi-node models, offline compute nodes.

- `profile`   site defaults (`configs/clusters/*.yaml`), validated
- `sizing`    one job per model from `harness plan`; same-shape jobs grouped into arrays
- `scripts`   submitit parameters and the job script text (offline env, lock check, snapshot)
- `submit`    `harness submit`: plan, skip what is queued/running/complete, check, submit, wait
- `job`       what runs inside a job (Ray head/workers for multi-node models, then the runner)
- `ray_cluster` Ray bring-up and tear-down across a job's nodes
- `status`    `harness status`: Slurm states + job records + run folders
- `prefetch`, `lock`  the shared cache for offline compute nodes and its lock file
- `records`, `snapshot`, `slurm`, `finalize`  job records, code snapshot, Slurm commands, final rebuild

Heavy imports (submitit, ray, huggingface_hub, datasets) happen inside functions.
"""
