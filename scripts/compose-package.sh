#!/usr/bin/env bash
# Packages hub and spoke through serverless-compose, offline: compose needs the hub's outputs to
# package the spoke, so it gets example outputs in its local state (.serverless/state.<stage>.json).
#   bash scripts/compose-package.sh [stage]      (default stage: ci)
set -euo pipefail
cd "$(dirname "$0")/.."
stage=${1:-ci}
export ORG_BUDGETS_ORGANIZATION_ID=${ORG_BUDGETS_ORGANIZATION_ID:-o-exampleorg1}
export ORG_BUDGETS_EXTERNAL_ID=${ORG_BUDGETS_EXTERNAL_ID:-org-budgets-$stage-external-id}
export SLS_TELEMETRY_DISABLED=1
mkdir -p .serverless
cat > ".serverless/state.$stage.json" <<JSON
{
  "components": {
    "hub": {
      "outputs": {
        "PropagationRoleArn": "arn:aws:iam::123456789012:role/org-budgets-$stage-us-east-1-spoke-access",
        "StatusBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/org-budgets-$stage-status"
      }
    }
  }
}
JSON
pnpm exec osls-compose package --stage "$stage"
