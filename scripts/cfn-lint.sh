#!/usr/bin/env bash
# cfn-lint from the Python that scripts/with-tools.sh checked (it may not be on PATH).
exec "${ORG_BUDGETS_PYTHON:-python3}" -c 'import sys; from cfnlint.runner import main; sys.argv[0] = "cfn-lint"; sys.exit(main())' "$@"
