#!/usr/bin/env bash
# Checks the front door's AWS Budgets with a client this project did not write: the AWS CLI
# (botocore builds the requests and parses the answers from AWS's own service model). Starts moto
# and the front door on free loopback ports, runs the Budgets calls the project makes, asserts the
# answers, and stops everything it started.
#
#   bash packages/aws-emulator/scripts/check-budgets-with-aws-cli.sh
#
# Needs: aws (v1 or v2), python3 (moto's, also used for the assertions), node, the workspace
# installed (pnpm install). Exit code 0 when every check passed, 1 when one failed, 2 when a
# tool is missing.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
package_dir="$(dirname "$here")"

if ! command -v aws >/dev/null 2>&1; then
  echo "check-budgets-with-aws-cli: the AWS CLI ('aws') is not installed or not on PATH." >&2
  echo "Install the AWS CLI (pip install awscli, or the AWS CLI v2 installer) and run this again." >&2
  exit 2
fi
python="${ORG_BUDGETS_PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "check-budgets-with-aws-cli: $python is needed (for moto and the assertions) and is not installed." >&2
  exit 2
fi

work="$(mktemp -d)"
door_pid=""
cleanup() {
  if [[ -n "$door_pid" ]] && kill -0 "$door_pid" 2>/dev/null; then
    kill -TERM "$door_pid" 2>/dev/null
    wait "$door_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The front door's stdin is a pipe held by this script: should the script die, the door stops too.
coproc DOOR { cd "$package_dir" && exec node --import tsx src/cli/start-front-door.ts --moto-log "$work/moto.log"; }
door_pid="$DOOR_PID"
if ! IFS= read -r -t 60 started <&"${DOOR[0]}"; then
  echo "check-budgets-with-aws-cli: the front door did not start (see the messages above)." >&2
  exit 1
fi
endpoint="$("$python" -c 'import json,sys; print(json.loads(sys.argv[1])["endpoint"])' "$started")"
echo "front door: $endpoint ($(aws --version 2>&1))"

# Dummy credentials only; nothing from the user's configuration.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER="" AWS_MAX_ATTEMPTS=1
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_BUDGETS

account=123456789012
other_account=222222222222
name="cli-check"
arn="arn:aws:budgets::$account:budget/$name"
topic="arn:aws:sns:us-east-1:$account:org-budgets-alerts"
n80='{"NotificationType":"ACTUAL","ComparisonOperator":"GREATER_THAN","Threshold":80,"ThresholdType":"PERCENTAGE"}'
n50='{"NotificationType":"FORECASTED","ComparisonOperator":"GREATER_THAN","Threshold":50}'
n60='{"NotificationType":"FORECASTED","ComparisonOperator":"GREATER_THAN","Threshold":60}'

passed=0
# Failures are counted in a file: `run` is called in command substitutions (subshells).
: >"$work/failures"
fail() {
  echo "$*" >&2
  echo x >>"$work/failures"
}
budgets() { aws budgets --endpoint-url "$endpoint" --region us-east-1 --output json "$@"; }

# check WHAT JSON PYTHON-EXPRESSION: the expression, over the parsed JSON `j`, must be true.
check() {
  local what="$1" json="$2" expression="$3"
  if "$python" -c 'import json,sys; j=json.loads(sys.argv[1] or "{}"); sys.exit(0 if eval(sys.argv[2]) else 1)' \
    "$json" "$expression" 2>"$work/check.err"; then
    passed=$((passed + 1))
    echo "ok   $what"
  else
    fail "FAIL $what
     expected: $expression
     got:      $json
$(sed 's/^/     /' "$work/check.err")"
  fi
}

# run WHAT CLI-ARGS...: the call must succeed; prints its output for check.
run() {
  local what="$1"
  shift
  local out
  if out="$(budgets "$@" 2>"$work/stderr")"; then
    printf '%s' "$out"
  else
    fail "FAIL $what: aws budgets $1 failed: $(cat "$work/stderr")"
    printf '{}'
  fi
}

# expect_error WHAT ERROR-CODE CLI-ARGS...: the call must fail with that AWS error code.
expect_error() {
  local what="$1" code="$2"
  shift 2
  if budgets "$@" >/dev/null 2>"$work/stderr"; then
    fail "FAIL $what: expected $code, the call succeeded"
  elif grep -q "($code)" "$work/stderr"; then
    passed=$((passed + 1))
    echo "ok   $what"
  else
    fail "FAIL $what: expected $code, got: $(cat "$work/stderr")"
  fi
}

# --- create-budget with a notification and subscribers, tags --------------------------------
run create-budget create-budget --account-id "$account" \
  --budget "{\"BudgetName\":\"$name\",\"BudgetLimit\":{\"Amount\":\"100\",\"Unit\":\"USD\"},\"TimeUnit\":\"MONTHLY\",\"BudgetType\":\"COST\",\"TimePeriod\":{\"Start\":\"2026-01-01T00:00:00Z\"},\"CostFilters\":{\"TagKeyValue\":[\"user:team\$a\"]}}" \
  --notifications-with-subscribers "[{\"Notification\":$n80,\"Subscribers\":[{\"SubscriptionType\":\"EMAIL\",\"Address\":\"a@example.com\"},{\"SubscriptionType\":\"SNS\",\"Address\":\"$topic\"}]}]" \
  --resource-tags Key=org-budgets:managed,Value=true >/dev/null

out="$(run describe-budget describe-budget --account-id "$account" --budget-name "$name")"
check "describe-budget: name, type, time unit" "$out" \
  "j['Budget']['BudgetName'] == '$name' and j['Budget']['BudgetType'] == 'COST' and j['Budget']['TimeUnit'] == 'MONTHLY'"
check "describe-budget: limit written back as AWS does" "$out" "j['Budget']['BudgetLimit'] == {'Amount': '100.0', 'Unit': 'USD'}"
check "describe-budget: cost filters kept" "$out" "j['Budget']['CostFilters'] == {'TagKeyValue': ['user:team\$a']}"
check "describe-budget: time period start from the request, default end" "$out" \
  "str(j['Budget']['TimePeriod']['Start']).startswith(('2026-01-01T00:00:00', '1767225600')) and str(j['Budget']['TimePeriod']['End']).startswith(('2087-06-15T00:00:00', '3706473600'))"
check "describe-budget: calculated spend and default cost types" "$out" \
  "j['Budget']['CalculatedSpend']['ActualSpend'] == {'Amount': '0', 'Unit': 'USD'} and j['Budget']['CostTypes']['IncludeTax'] is True"
expect_error "create-budget: the name is taken" DuplicateRecordException create-budget --account-id "$account" \
  --budget "{\"BudgetName\":\"$name\",\"BudgetLimit\":{\"Amount\":\"1\",\"Unit\":\"USD\"},\"TimeUnit\":\"MONTHLY\",\"BudgetType\":\"COST\"}"
expect_error "describe-budget: another account's budget" AccessDeniedException describe-budget --account-id "$other_account" --budget-name "$name"
expect_error "describe-budget: no such budget" NotFoundException describe-budget --account-id "$account" --budget-name missing

out="$(run describe-budgets describe-budgets --account-id "$account")"
check "describe-budgets: lists the budget" "$out" "[b['BudgetName'] for b in j['Budgets']] == ['$name']"

# --- spend, as AWS calculates it (front door control route) ---------------------------------
"$python" - "$endpoint" "$account" "$name" <<'EOF' >/dev/null
import json, sys, urllib.request
endpoint, account, name = sys.argv[1:4]
body = json.dumps({"accountId": account, "budgetName": name, "actual": "85.5", "forecasted": 120}).encode()
urllib.request.urlopen(urllib.request.Request(f"{endpoint}/_front-door/budgets/spend", data=body, method="POST",
                                              headers={"content-type": "application/json"}))
EOF

# --- update-budget: replaces the definition, keeps notifications and spend -------------------
run update-budget update-budget --account-id "$account" \
  --new-budget "{\"BudgetName\":\"$name\",\"BudgetLimit\":{\"Amount\":\"200.50\",\"Unit\":\"USD\"},\"TimeUnit\":\"MONTHLY\",\"BudgetType\":\"COST\",\"TimePeriod\":{\"Start\":\"2026-01-01T00:00:00Z\"}}" >/dev/null
out="$(run describe-budget describe-budget --account-id "$account" --budget-name "$name")"
check "update-budget: new limit, filters replaced" "$out" \
  "j['Budget']['BudgetLimit'] == {'Amount': '200.5', 'Unit': 'USD'} and j['Budget']['CostFilters'] == {}"
check "update-budget: calculated spend drops to zero (as AWS documents)" "$out" \
  "j['Budget']['CalculatedSpend'] == {'ActualSpend': {'Amount': '0', 'Unit': 'USD'}}"
out="$(run describe-notifications-for-budget describe-notifications-for-budget --account-id "$account" --budget-name "$name")"
check "update-budget: notification kept" "$out" "[n['Threshold'] for n in j['Notifications']] == [80]"

# --- notifications -------------------------------------------------------------------------------
run create-notification create-notification --account-id "$account" --budget-name "$name" \
  --notification "$n50" --subscribers SubscriptionType=EMAIL,Address=b@example.com >/dev/null
expect_error "create-notification: already there" DuplicateRecordException create-notification --account-id "$account" \
  --budget-name "$name" --notification "$n50" --subscribers SubscriptionType=EMAIL,Address=c@example.com
run update-notification update-notification --account-id "$account" --budget-name "$name" \
  --old-notification "$n50" --new-notification "$n60" >/dev/null
out="$(run describe-notifications-for-budget describe-notifications-for-budget --account-id "$account" --budget-name "$name")"
check "describe-notifications-for-budget: both, the updated one without ThresholdType" "$out" \
  "[(n['NotificationType'], n['Threshold'], n.get('ThresholdType')) for n in j['Notifications']] == [('ACTUAL', 80.0, 'PERCENTAGE'), ('FORECASTED', 60.0, None)]"
check "describe-notifications-for-budget: states from the spend (85.5 of 200.5; forecast 120)" "$out" \
  "[n['NotificationState'] for n in j['Notifications']] == ['OK', 'OK']"
out="$(run describe-notifications-for-budget describe-notifications-for-budget --account-id "$account" --budget-name "$name" --max-results 1 --no-paginate)"
check "describe-notifications-for-budget: pages (--max-results 1)" "$out" "len(j['Notifications']) == 1 and j.get('NextToken')"

# --- subscribers ---------------------------------------------------------------------------------
run create-subscriber create-subscriber --account-id "$account" --budget-name "$name" --notification "$n60" \
  --subscriber SubscriptionType=EMAIL,Address=c@example.com >/dev/null
expect_error "create-subscriber: a second SNS topic" CreationLimitExceededException create-subscriber --account-id "$account" \
  --budget-name "$name" --notification "$n80" --subscriber "SubscriptionType=SNS,Address=${topic}-2"
run update-subscriber update-subscriber --account-id "$account" --budget-name "$name" --notification "$n60" \
  --old-subscriber SubscriptionType=EMAIL,Address=c@example.com --new-subscriber SubscriptionType=EMAIL,Address=d@example.com >/dev/null
run delete-subscriber delete-subscriber --account-id "$account" --budget-name "$name" --notification "$n60" \
  --subscriber SubscriptionType=EMAIL,Address=b@example.com >/dev/null
out="$(run describe-subscribers-for-notification describe-subscribers-for-notification --account-id "$account" --budget-name "$name" --notification "$n60")"
check "describe-subscribers-for-notification: after create, update, delete" "$out" \
  "j['Subscribers'] == [{'SubscriptionType': 'EMAIL', 'Address': 'd@example.com'}]"
out="$(run describe-subscribers-for-notification describe-subscribers-for-notification --account-id "$account" --budget-name "$name" --notification "$n80")"
check "describe-subscribers-for-notification: email and SNS" "$out" \
  "sorted(s['SubscriptionType'] for s in j['Subscribers']) == ['EMAIL', 'SNS']"
run delete-subscriber delete-subscriber --account-id "$account" --budget-name "$name" --notification "$n60" \
  --subscriber SubscriptionType=EMAIL,Address=d@example.com >/dev/null
out="$(run describe-notifications-for-budget describe-notifications-for-budget --account-id "$account" --budget-name "$name")"
check "delete-subscriber: the last one takes its notification along" "$out" "[n['Threshold'] for n in j['Notifications']] == [80]"
expect_error "describe-subscribers-for-notification: notification gone" NotFoundException \
  describe-subscribers-for-notification --account-id "$account" --budget-name "$name" --notification "$n60"
run delete-notification delete-notification --account-id "$account" --budget-name "$name" --notification "$n80" >/dev/null
out="$(run describe-notifications-for-budget describe-notifications-for-budget --account-id "$account" --budget-name "$name")"
check "delete-notification" "$out" "j['Notifications'] == []"

# --- tags ----------------------------------------------------------------------------------------
run tag-resource tag-resource --resource-arn "$arn" --resource-tags Key=org-budgets:revision,Value=7 >/dev/null
out="$(run list-tags-for-resource list-tags-for-resource --resource-arn "$arn")"
check "tag-resource / list-tags-for-resource" "$out" \
  "j['ResourceTags'] == [{'Key': 'org-budgets:managed', 'Value': 'true'}, {'Key': 'org-budgets:revision', 'Value': '7'}]"
run untag-resource untag-resource --resource-arn "$arn" --resource-tag-keys org-budgets:managed >/dev/null
out="$(run list-tags-for-resource list-tags-for-resource --resource-arn "$arn")"
check "untag-resource" "$out" "j['ResourceTags'] == [{'Key': 'org-budgets:revision', 'Value': '7'}]"
expect_error "list-tags-for-resource: another account's budget" AccessDeniedException list-tags-for-resource \
  --resource-arn "arn:aws:budgets::$other_account:budget/$name"

# --- delete-budget -------------------------------------------------------------------------------
run delete-budget delete-budget --account-id "$account" --budget-name "$name" >/dev/null
expect_error "delete-budget: gone" NotFoundException describe-budget --account-id "$account" --budget-name "$name"
out="$(run describe-budgets describe-budgets --account-id "$account")"
check "describe-budgets: none left" "$out" "j.get('Budgets', []) == []"

failed="$(wc -l <"$work/failures" | tr -d ' ')"
echo
if ((failed > 0)); then
  echo "check-budgets-with-aws-cli: $failed check(s) FAILED, $passed passed"
  exit 1
fi
echo "check-budgets-with-aws-cli: all $passed checks passed"
