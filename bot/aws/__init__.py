"""AWS-only pieces: the ack path's Lambda async invoke (lambda_invoke, signed by sigv4, sent where
endpoints says the AWS SDKs would send it), Secrets Manager, CloudWatch embedded metrics,
`bot replay-failed` for the failure queue, cheap checks on Lambda HTTP events before Mangum and
Bolt see them (http_guard), and the worker's SnapStart hooks (snapstart). Nothing here runs under
`bot serve`."""
