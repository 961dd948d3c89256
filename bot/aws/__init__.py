"""AWS-only pieces: the SigV4-signed Lambda async invoke of the ack path, Secrets Manager,
CloudWatch embedded metrics, `bot replay-failed` for the failure queue, and cheap checks on
Lambda HTTP events before Mangum and Bolt see them. Nothing here runs under `bot serve`."""
