import { setLogSink } from '../../shared/log/index.ts';

// Test output stays readable (and free of anything a log line might carry): log lines of code
// running inside test workers are dropped unless S3OD_TEST_LOGS is set. Tests that check logging
// install their own sink.
if (!process.env.S3OD_TEST_LOGS) setLogSink(() => undefined);
