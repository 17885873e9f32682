#!/bin/bash
# The merge, after every task of slurm-shards.sh succeeded:
#   sbatch --dependency=afterok:1234 --export=ALL slurm-merge.sh
# If a shard failed, this job never starts (squeue: DependencyNeverSatisfied): scancel it,
# build the shard again (see slurm-shards.sh) and submit this after that job. Run without a
# dependency, it refuses an incomplete set, naming the missing shard (exit code 2).
# SOURCE_DATE_EPOCH may be unset here: the merge takes the shards'.
#SBATCH --job-name=advocate-merge
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=04:00:00
set -euo pipefail
: "${OUT:?set OUT to the output folder of the shards}"
exec advocate --quiet merge "$OUT"/shard-* -o "$OUT/merged" --force \
  --jobs "${SLURM_CPUS_PER_TASK:-1}"
