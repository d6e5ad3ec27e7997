#!/usr/bin/env bash
# Packages the Lambda functions offline, as CI does: no network, no AWS account, dummy credentials.
#   infra/deploy/package.sh [stage]      (default stage: ci — see serverless.yml "Stages")
# Output: .serverless/<function>.zip (one per function) and the CloudFormation template; prints
# the artifact sizes (docs/benchmarks.md "Artifact sizes").
set -euo pipefail
cd "$(dirname "$0")/../.."
stage="${1:-ci}"
# Leftover bundles (e.g. from an earlier `invoke local` or another stage) must never be packed.
rm -rf .esbuild .serverless
# osls asks the SDK's credential chain even to package; no call is made with these.
export AWS_ACCESS_KEY_ID=package-only AWS_SECRET_ACCESS_KEY=package-only AWS_REGION=eu-central-1
unset AWS_PROFILE AWS_SESSION_TOKEN
export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
npx serverless package --stage "$stage"
npx tsx infra/deploy/artifacts.ts .serverless
