#!/usr/bin/env bash
# Packages every service offline and lints the generated CloudFormation: no errors and no
# warnings allowed (cfn-lint exit code: bit 2 errors, bit 4 warnings, bit 8 informational).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
status=0
for service in hub spoke; do
  echo "== serverless package: services/$service"
  (cd "services/$service" && pnpm run --silent package)
  template="services/$service/.serverless/cloudformation-template-update-stack.json"
  echo "== cfn-lint: $template"
  set +e
  bash "$root/scripts/cfn-lint.sh" --format parseable -- "$template"
  rc=$?
  set -e
  if (( rc & 6 )); then
    echo "cfn-lint found errors or warnings in $template (exit $rc)" >&2
    status=1
  else
    echo "cfn-lint: clean"
  fi
done
exit $status
