#!/usr/bin/env bash
# Packages every service offline (through serverless-compose, as a deployment would) and lints
# the generated CloudFormation: no errors and no warnings allowed (cfn-lint's exit code: bit 2
# errors, bit 4 warnings, bit 8 informational). A suppressed rule is named in its template.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# The StackSet build packages the spoke on its own (and clears services/spoke/.serverless):
# it goes first.
echo "== StackSet template (pnpm stackset:build)"
pnpm run --silent stackset:build
echo "== serverless-compose package (hub, spoke)"
bash scripts/compose-package.sh ci
templates=(services/hub/.serverless/cloudformation-template-update-stack.json
           services/spoke/.serverless/cloudformation-template-update-stack.json
           stacksets/build/spoke-stackset.template.json)
status=0
for template in "${templates[@]}"; do
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
