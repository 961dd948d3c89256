"""The programs benchmarks/lambda_perf.py times, one module per kind of measured process.

Each runs as `python -m benchmarks.lambda_drivers.<name> CONFIG.json` in a fresh interpreter,
so that nothing the benchmark itself imports leaks into the timings or sys.modules, and calls
`bot.lambda_handler.handler` exactly as AWS does. The async self-invoke goes, signed, to the
loopback capture server named by AWS_ENDPOINT_URL_LAMBDA (tests/support/invoke_capture.py).
"""
