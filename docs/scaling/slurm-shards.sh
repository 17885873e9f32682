#!/bin/bash
# advocate build --shard as a Slurm job array: task K renders shard K of the array's size.
#   CAMPAIGN=campaign.yaml SIGNERS=signers.csv OUT=$PWD/out SOURCE_DATE_EPOCH=$(date +%s) \
#     sbatch --export=ALL slurm-shards.sh          # prints: Submitted batch job 1234
#   sbatch --dependency=afterok:1234 --export=ALL slurm-merge.sh
# --array=0-7 or 1-8 both work (advocate subtracts SLURM_ARRAY_TASK_MIN); the number of
# shards is the array's size. OUT must be on a file system every node sees.
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
export SOURCE_DATE_EPOCH
exec advocate --quiet build "$CAMPAIGN" --signers "$SIGNERS" --formats "${FORMATS:-txt,eml,pdf}" \
  --shard "auto/${SLURM_ARRAY_TASK_COUNT}" --jobs "${SLURM_CPUS_PER_TASK:-1}" --force \
  -o "$OUT/shard-$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}))"
