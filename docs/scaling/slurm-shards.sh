#!/bin/bash
# advocate build --shard as a Slurm job array: task K renders shard K of the array's size.
#   export CAMPAIGN=$PWD/campaign.yaml SIGNERS=$PWD/signers.csv OUT=$PWD/out \
#          SOURCE_DATE_EPOCH=$(date +%s)
#   sbatch --export=ALL slurm-shards.sh            # prints: Submitted batch job 1234
#   sbatch --dependency=afterok:1234 --export=ALL slurm-merge.sh
# The number of shards is the array's size: --array=0-7, 1-8, 0-14:2 and 0-7%2 (two at a
# time) all give shards 0 to 7; options given to sbatch replace these #SBATCH lines. A
# list such as --array=0,2,3 is refused (exit 2). Shard K is written to $OUT/shard-K.
# One shard failed (sacct -j 1234, or the merge's message, names it)? Build it again:
#   sbatch --array=3 --export=ALL,SHARDS=8 slurm-shards.sh   # with SHARDS, task ID = shard
# with the same SOURCE_DATE_EPOCH. OUT, the inputs and advocate itself must be at the same
# paths on every node (a shared file system), and advocate the same version everywhere.
#SBATCH --job-name=advocate-shards
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=04:00:00
set -euo pipefail
: "${CAMPAIGN:?set CAMPAIGN to the campaign file}"
: "${SIGNERS:?set SIGNERS to the signer list}"
: "${OUT:?set OUT to a shared output folder}"
: "${SOURCE_DATE_EPOCH:?set SOURCE_DATE_EPOCH once for all shards, e.g. \$(date +%s)}"
: "${SLURM_ARRAY_TASK_ID:?submit this script with sbatch: it is a job array}"
export SOURCE_DATE_EPOCH
unset JOB_COMPLETION_INDEX ADVOCATE_SHARD_INDEX  # the index comes from Slurm alone
if [[ -n "${SHARDS:-}" ]]; then  # resubmitting chosen shards of SHARDS: the task ID is one
  shards=$SHARDS shard=$SLURM_ARRAY_TASK_ID
  export ADVOCATE_SHARD_INDEX=$shard
elif [[ "${SLURM_ARRAY_TASK_COUNT:-}" == 1 ]]; then  # it would rebuild everything as shard-0
  echo "slurm-shards.sh: an array of one task: to build shard K of N again, submit" \
    "--array=K --export=ALL,SHARDS=N" >&2
  exit 2
else  # as advocate counts: (task ID - first ID) / step
  shards=$SLURM_ARRAY_TASK_COUNT
  shard=$(((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}) / ${SLURM_ARRAY_TASK_STEP:-1}))
fi
exec advocate --quiet build "$CAMPAIGN" --signers "$SIGNERS" --formats "${FORMATS:-txt,eml,pdf}" \
  --shard "auto/$shards" --jobs "${SLURM_CPUS_PER_TASK:-1}" --force -o "$OUT/shard-$shard"
