"""Work after the ack: the job contract, handing a job over (a thread pool, or a signed Lambda
async invoke), the signatures jobs travel with, deduplication of events, the per-job deadline
every step is bounded by, the worker's table of job kinds and their handlers, and when each
person's tech digest is due (its claims and the hourly fan-out)."""
