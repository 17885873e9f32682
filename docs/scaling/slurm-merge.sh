#!/bin/bash
# The merge, after every task of slurm-shards.sh succeeded (sbatch --dependency=afterok:ID).
#SBATCH --job-name=advocate-merge
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=04:00:00
set -euo pipefail
: "${OUT:?set OUT to the output folder of the shards}"
exec advocate --quiet merge "$OUT"/shard-* -o "$OUT/merged" --force
