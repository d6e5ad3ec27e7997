#!/usr/bin/env node
// The `s3od` executable: registers tsx so Node runs the TypeScript sources directly, then runs
// the CLI (infra/cli/main.ts) with this process's streams and exits with its code.
import { register } from 'tsx/esm/api';

// The SDK's notice about future Node versions is for developers, not operators (serverless.yml
// silences it for the functions the same way).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { run } = await import('./main.ts');
process.exitCode = await run(process.argv.slice(2));
