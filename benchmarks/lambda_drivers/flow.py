"""One container doing everything once, for its peak memory: a DM's ack, its reply job (answer
and LangMem extraction), then /interests and its job."""

from __future__ import annotations

from benchmarks.lambda_drivers import child


def main() -> None:
    cfg = child.config()
    handler, _ = child.import_handler()
    context = child.Context(cfg["function_arn"])
    dm, interests = cfg["events"]
    statuses = [handler(dm, context)["statusCode"]]
    rss_after_ack = child.usage()["peak_rss_kb"]
    handler(child.captured_jobs(cfg)[-1], context)
    rss_after_reply = child.usage()["peak_rss_kb"]
    statuses.append(handler(interests, context)["statusCode"])
    handler(child.captured_jobs(cfg)[-1], context)
    child.finish(
        cfg,
        {
            "statuses": statuses,
            "rss_after_ack_kb": rss_after_ack,
            "rss_after_reply_kb": rss_after_reply,
        },
    )


if __name__ == "__main__":
    main()
