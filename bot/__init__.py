"""A Slack assistant that remembers what each person cares about in tech."""
