"""Everything that faces Slack: the Bolt listeners that ack and hand work over, the Block Kit
views (memory lists, the Home tab, the end of an answer), and the delivery of one answer into
one Slack message, with the Slack-side helpers those need (mrkdwn, deadline-bound client,
allowed URLs, attachments, failure notices). Nothing here decides what to answer."""
